import { LinearResampler, single, type AudioChunk } from '@jarvis/protocol';
import type { EngineContext, TtsEngine } from '../engines/types.js';
import type { SessionIo } from './session.js';

/**
 * Keeps a TTS stream at the rate its `audio-start` announced: a fallback engine may speak at
 * another rate than the first.
 */
export class RateConformer {
  private resampler: LinearResampler | undefined;

  constructor(readonly rate: number) {}

  conform(chunk: AudioChunk): AudioChunk {
    if (chunk.rate === this.rate) return chunk;
    if (this.resampler?.fromRate !== chunk.rate)
      this.resampler = new LinearResampler(chunk.rate, this.rate);
    return { ...chunk, pcm: this.resampler.push(chunk.pcm), rate: this.rate };
  }
}

/** Two short tones (880 then 660 Hz): the sound a timer rings with before its spoken line. */
export function chime(rate: number): Int16Array {
  const toneSamples = Math.round(rate * 0.15);
  const gap = Math.round(rate * 0.05);
  const pcm = new Int16Array(toneSamples * 2 + gap);
  [880, 660].forEach((hz, k) => {
    const at = k * (toneSamples + gap);
    for (let i = 0; i < toneSamples; i++) {
      const fade = Math.min(1, i / 200, (toneSamples - i) / 200);
      pcm[at + i] = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 9000 * fade);
    }
  });
  return pcm;
}

/**
 * Speaks `text` on a satellite without a session (a timer, an announcement): an `announce`
 * event, then a TTS audio stream, optionally led by a chime.
 */
export async function announce(
  io: SessionIo,
  tts: TtsEngine,
  options: { reason: 'timer' | 'announcement'; text: string; chime?: boolean },
  ctx: EngineContext,
): Promise<void> {
  const stream = io.nextStream();
  const out = new RateConformer(tts.sampleRate);
  io.send({ type: 'announce', reason: options.reason, text: options.text, stream });
  io.send({ type: 'audio-start', stream, kind: 'tts', rate: out.rate, width: 2, channels: 1 });
  try {
    if (options.chime)
      io.sendAudio(stream, { pcm: chime(out.rate), rate: out.rate, timestampMs: 0 });
    for await (const chunk of tts.synthesize(single(options.text), ctx))
      io.sendAudio(stream, out.conform(chunk));
  } finally {
    io.send({ type: 'audio-stop', stream });
  }
}
