import type { AudioFrame, DownEvent } from '@jarvis/protocol';
import type { HubLink } from '@jarvis/satellite';
import { linkFor, type Stack } from './stack.js';

export type AnnounceEvent = Extract<DownEvent, { type: 'announce' }>;

/** An announcement as a satellite heard it: the event and the audio of its stream. */
export interface HeardAnnouncement {
  readonly event: AnnounceEvent;
  readonly samples: Int16Array[];
}

/** Starts a satellite's link and resolves once the hub has welcomed it. */
export async function connectedLink(
  stack: Stack,
  sat: Parameters<typeof linkFor>[1],
): Promise<HubLink> {
  const link = linkFor(stack, sat);
  const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
  link.start();
  await ready;
  return link;
}

/** Waits on `link` for the hub's next announcement, collecting its audio until `audio-stop`. */
export function nextAnnouncement(link: HubLink, timeoutMs: number): Promise<HeardAnnouncement> {
  const samples: Int16Array[] = [];
  return new Promise((resolve, reject) => {
    let announced: AnnounceEvent | undefined;
    const onAudio = (frame: AudioFrame): void => {
      if (announced && frame.stream === announced.stream) samples.push(frame.pcm);
    };
    const onEvent = (event: DownEvent): void => {
      if (event.type === 'announce') announced = event;
      if (event.type === 'audio-stop' && announced && event.stream === announced.stream) {
        done();
        resolve({ event: announced, samples });
      }
    };
    const done = (): void => {
      clearTimeout(timer);
      link.off('audio', onAudio);
      link.off('event', onEvent);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('no announcement'));
    }, timeoutMs);
    link.on('audio', onAudio);
    link.on('event', onEvent);
  });
}

/** Connects as `sat` and waits for the hub to announce something, collecting its audio. */
export async function heardAnnouncement(
  stack: Stack,
  sat: Parameters<typeof linkFor>[1],
  timeoutMs: number,
): Promise<HeardAnnouncement> {
  const link = linkFor(stack, sat);
  const heard = nextAnnouncement(link, timeoutMs);
  link.start();
  try {
    return await heard;
  } finally {
    await link.stop();
  }
}
