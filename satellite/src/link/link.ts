import type { EventEmitter } from 'node:events';
import type { encodeAudioFrame, AudioFrame, DownEvent, UpEvent } from '@jarvis/protocol';

/** What a link tells the satellite. */
export interface SatelliteLinkEvents {
  ready: [welcome: Extract<DownEvent, { type: 'welcome' }>];
  event: [event: DownEvent];
  audio: [frame: AudioFrame];
  down: [reason: string];
  /** The hub refused the connection (bad key, revoked): retrying will not help by itself. */
  refused: [status: number, body: string];
}

/**
 * The satellite's link to the hub, whichever way it goes: a WebSocket ({@link HubLink}) or
 * the MQTT binding ({@link MqttLink}). `send`/`sendAudio` return false while not ready.
 */
export interface SatelliteLink extends EventEmitter<SatelliteLinkEvents> {
  readonly ready: boolean;
  start(): void;
  send(event: UpEvent): boolean;
  sendAudio(frame: Parameters<typeof encodeAudioFrame>[0]): boolean;
  stop(): Promise<void>;
}
