import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineMetrics } from '../engines/resilience/attempt.js';

/** Pipeline stages timed per session; names match the `stage` label. */
export const STAGES = [
  'wake_to_stream',
  'endpoint',
  'stt',
  'intent',
  'action',
  'tts_first_audio',
  'speech_end_to_first_audio',
] as const;
export type Stage = (typeof STAGES)[number];

/** One registry per hub instance, so several hubs (tests) never share counters. */
export class HubMetrics implements EngineMetrics {
  readonly registry = new Registry();
  readonly stageSeconds = new Histogram({
    name: 'jarvis_stage_duration_seconds',
    help: 'Latency of each voice pipeline stage',
    labelNames: ['stage'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5],
    registers: [this.registry],
  });
  readonly satellitesOnline = new Gauge({
    name: 'jarvis_satellites_online',
    help: 'Satellites connected to this hub',
    registers: [this.registry],
  });
  readonly wakeups = new Counter({
    name: 'jarvis_wakeups_total',
    help: 'Wake-ups that opened a session',
    labelNames: ['satellite'] as const,
    registers: [this.registry],
  });
  readonly standDowns = new Counter({
    name: 'jarvis_stand_downs_total',
    help: 'Wake-ups dropped because another satellite heard the same words better',
    registers: [this.registry],
  });
  readonly sessions = new Counter({
    name: 'jarvis_sessions_total',
    help: 'Sessions ended, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'jarvis_errors_total',
    help: 'Errors by stage and code',
    labelNames: ['stage', 'code'] as const,
    registers: [this.registry],
  });

  /** Microphone transport (gateway/stream-stats.ts): no labels, so per-frame cost stays tiny. */
  readonly audioFrames = new Counter({
    name: 'jarvis_audio_frames_total',
    help: 'Microphone audio frames received from satellites',
    registers: [this.registry],
  });
  readonly audioFramesMissing = new Counter({
    name: 'jarvis_audio_frames_missing_total',
    help: 'Microphone audio frames missing from their stream (sequence jumps)',
    registers: [this.registry],
  });
  readonly audioFrameLag = new Histogram({
    name: 'jarvis_audio_frame_lag_seconds',
    help: "How late each microphone frame arrives compared with its stream's least-delayed frame",
    buckets: [
      0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5,
    ],
    registers: [this.registry],
  });

  readonly hubWakeSegments = new Counter({
    name: 'jarvis_hub_wake_segments_total',
    help: 'Speech segments scored for the wake word on the hub, for satellites without an engine',
    labelNames: ['satellite'] as const,
    registers: [this.registry],
  });
  readonly engineSeconds = new Histogram({
    name: 'jarvis_engine_call_duration_seconds',
    help: 'Time of each STT/TTS engine call, by engine and outcome',
    labelNames: ['kind', 'engine', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
    registers: [this.registry],
  });
  readonly engineFailures = new Counter({
    name: 'jarvis_engine_failures_total',
    help: 'Failed engine calls, by engine and error code',
    labelNames: ['kind', 'engine', 'code'] as const,
    registers: [this.registry],
  });
  readonly engineFallbacks = new Counter({
    name: 'jarvis_engine_fallbacks_total',
    help: 'Work handed from a failed engine to the next one',
    labelNames: ['kind', 'from', 'to'] as const,
    registers: [this.registry],
  });

  /** Session records waiting for the database (written behind while it is down). */
  readonly recordsPending = new Gauge({
    name: 'jarvis_session_records_pending',
    help: 'Session records kept for a database that is unreachable, written once it returns',
    registers: [this.registry],
  });
  readonly recordsDropped = new Counter({
    name: 'jarvis_session_records_dropped_total',
    help: 'Session records given up: over the pending bound, or refused by the database',
    registers: [this.registry],
  });

  private dependencyChecks: Readonly<Record<string, () => Promise<boolean>>> = {};
  /** 1 while a service the hub needs answers (database, MQTT broker, Redis), checked per scrape. */
  readonly dependencyUp = new Gauge({
    name: 'jarvis_dependency_up',
    help: 'Whether a service the hub depends on answers (1) or not (0), checked at scrape time',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
    collect: async () => {
      for (const [dependency, check] of Object.entries(this.dependencyChecks)) {
        const up = await check().catch(() => false);
        this.dependencyUp.set({ dependency }, up ? 1 : 0);
      }
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'jarvis_' });
  }

  /** The services `jarvis_dependency_up` reports on, each with its check. */
  watchDependencies(checks: Readonly<Record<string, () => Promise<boolean>>>): void {
    this.dependencyChecks = checks;
  }

  observe(stage: Stage, ms: number): void {
    this.stageSeconds.observe({ stage }, ms / 1000);
  }

  error(stage: string, code: string): void {
    this.errors.inc({ stage, code });
  }

  engineCall(kind: 'stt' | 'tts', engine: string, outcome: 'ok' | 'error', ms: number): void {
    this.engineSeconds.observe({ kind, engine, outcome }, ms / 1000);
  }

  engineFailure(kind: 'stt' | 'tts' | 'llm', engine: string, code: string): void {
    this.engineFailures.inc({ kind, engine, code });
  }

  engineFallback(kind: 'stt' | 'tts', from: string, to: string): void {
    this.engineFallbacks.inc({ kind, from, to });
  }
}
