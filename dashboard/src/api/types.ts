/**
 * The shapes of the hub's public API as the dashboard reads them. The hub's TypeBox schemas are
 * the source of truth; the dashboard cannot import server code into a browser bundle, so these
 * mirror the documented contract and nothing more.
 */

export type Role = 'admin' | 'member';

/** The wire error of every failed API call. */
export interface ApiErrorBody {
  code: string;
  message: string;
  retryable?: boolean;
}

export interface Tokens {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  user: { id: string; username: string; role: Role };
}

export interface Me {
  kind: 'user';
  id: string;
  username: string;
  role: Role;
}

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  disabled: boolean;
  totpEnabled: boolean;
}

export type LedState = 'off' | 'idle' | 'listening' | 'thinking' | 'speaking';

export interface Satellite {
  id: string;
  name: string;
  room: string;
  enrolledAt: string;
  revokedAt: string | null;
  online: boolean;
  lastSeen: string | null;
  software: string | null;
  wakeEngine: 'satellite' | 'hub' | null;
  wakeWords: string[];
  /** 0–100. */
  volume: number;
  muted: boolean;
  listening: boolean;
  hasLeds: boolean;
  ledState: LedState;
}

export interface EnrollmentCode {
  code: string;
  expiresAt: string;
  satelliteId?: string;
}

export const OUTCOMES = ['ok', 'not-understood', 'no-speech', 'cancelled', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Stage durations of one session; a stage the session never reached is absent. */
export interface Timings {
  wakeToStreamMs?: number;
  endpointMs?: number;
  sttMs?: number;
  intentMs?: number;
  actionMs?: number;
  ttsFirstAudioMs?: number;
  speechEndToFirstAudioMs?: number;
  totalMs?: number;
}
export type TimingKey = keyof Timings;

export interface Session {
  id: string;
  satelliteId: string;
  startedAt: string;
  endedAt: string | null;
  wakeWord: string | null;
  wakeScore: number | null;
  transcript: string | null;
  sttSource: string | null;
  intent: string | null;
  slots: Record<string, unknown> | null;
  action: { topic: string; payload: unknown } | null;
  reply: string | null;
  outcome: Outcome;
  errorCode: string | null;
  timings: Timings;
  engines: { stt?: string; tts?: string; fallbacks?: string[] };
  hasAudio: boolean;
}

export type DeviceKind = 'light' | 'switch' | 'climate' | 'cover' | 'other';

export interface Device {
  id: string;
  name: string;
  room: string;
  kind: DeviceKind;
  source: 'config' | 'discovered';
  capabilities: {
    onOff: boolean;
    brightness: boolean;
    color: boolean;
    temperature: { min: number; max: number } | null;
    position: boolean;
  };
  state: { on?: boolean; brightness?: number; temperature?: number; position?: number } | null;
}

export type DeviceCommand = { action: 'on' | 'off' | 'toggle' } | { brightness: number };

export interface Timer {
  id: string;
  name: string | null;
  satelliteId: string;
  durationMs: number;
  endsAt: string;
  remainingMs: number;
}

export interface EngineHealth {
  id: string;
  healthy: boolean;
}

export const LATENCY_STAGES = [
  'wakeToStream',
  'endpoint',
  'stt',
  'intent',
  'action',
  'ttsFirstAudio',
  'speechEndToFirstAudio',
  'total',
] as const;
export type LatencyStage = (typeof LATENCY_STAGES)[number];

export interface LatencyStats {
  p50Ms: number;
  p95Ms: number;
  count: number;
}

export interface SystemInfo {
  version: string;
  hubId: string;
  uptimeS: number;
  language: string;
  engines: {
    stt: EngineHealth;
    tts: EngineHealth;
    vad: EngineHealth;
    wake: EngineHealth;
    llm: EngineHealth | null;
    memory: EngineHealth | null;
  };
  mqtt: { kind: 'embedded' | 'external'; connected: boolean };
  database: { kind: string; ok: boolean };
  latency: Partial<Record<LatencyStage, LatencyStats>>;
}

/** Frames on the `/v1/events` socket, after `{type:'ready'}`. */
export type HubEvent =
  | { type: 'satellite'; satellite: Satellite }
  | {
      type: 'session-start';
      sessionId: string;
      satelliteId: string;
      at: string;
      wake: { name: string; score: number | null };
    }
  | { type: 'transcript'; sessionId: string; text: string; final: boolean }
  | { type: 'intent'; sessionId: string; name: string; slots: Record<string, unknown> }
  | { type: 'reply'; sessionId: string; text: string }
  | { type: 'session-end'; session: Session }
  | { type: 'device'; device: Device }
  | { type: 'timers' };
