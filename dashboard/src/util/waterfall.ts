/** Geometry of a stage-timing waterfall: each stage starts where the one before it ended. */
import type { TimingKey, Timings } from '../api/types';

export interface WaterfallStage {
  key: TimingKey;
  /** The stage's name without its unit, as in the system page's latency table. */
  id: string;
  label: string;
}

/** The stages of one exchange, in the order they happen. */
export const PIPELINE_STAGES: readonly WaterfallStage[] = [
  { key: 'endpointMs', id: 'endpoint', label: 'Endpoint' },
  { key: 'sttMs', id: 'stt', label: 'STT' },
  { key: 'intentMs', id: 'intent', label: 'Intent' },
  { key: 'actionMs', id: 'action', label: 'Action' },
  { key: 'ttsFirstAudioMs', id: 'ttsFirstAudio', label: 'TTS first audio' },
];

export interface WaterfallBar extends WaterfallStage {
  /** Null for a stage the session never reached. */
  durationMs: number | null;
  startMs: number;
  /** Both as fractions (0–1) of the whole span. */
  offset: number;
  fraction: number;
}

/** The bars for `timings`; a missing stage takes no room and the next one starts where it would. */
export function waterfallBars(
  timings: Timings,
  stages: readonly WaterfallStage[] = PIPELINE_STAGES,
): { bars: WaterfallBar[]; spanMs: number } {
  let startMs = 0;
  const raw = stages.map((stage) => {
    const value = timings[stage.key];
    const durationMs = typeof value === 'number' && value >= 0 ? value : null;
    const bar = { ...stage, durationMs, startMs };
    startMs += durationMs ?? 0;
    return bar;
  });
  const spanMs = startMs;
  const scale = (ms: number): number => (spanMs > 0 ? ms / spanMs : 0);
  return {
    spanMs,
    bars: raw.map((bar) => ({
      ...bar,
      offset: scale(bar.startMs),
      fraction: scale(bar.durationMs ?? 0),
    })),
  };
}
