import { describe, expect, it } from 'vitest';
import { EchoGate } from './echo-gate.js';

const RATE = 16000;
const CHUNK = 1280; // 80 ms, as the microphone sources deliver

/** Speech-like playback: noise whose loudness changes every 80–240 ms (syllables and gaps). */
function speechLike(seconds: number, seed: number): Int16Array {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  const pcm = new Int16Array(seconds * RATE);
  let level = 0;
  for (let i = 0; i < pcm.length; i++) {
    if (i % 1280 === 0) level = rand() > -0.3 ? 3000 + Math.abs(rand()) * 9000 : 0;
    pcm[i] = Math.round(rand() * level);
  }
  return pcm;
}

/**
 * A room: the speaker's output reaches the mic `delayMs` later at `gain`, plus a person's
 * voice; returns how much of each mic chunk the gate let through, per chunk.
 */
function runRoom(options: {
  delayMs: number;
  gain: number;
  person?: { pcm: Int16Array; atMs: number };
}): { passed: boolean[]; personChunks: Set<number> } {
  let now = 10_000;
  const gate = new EchoGate({}, () => now);
  const reply = speechLike(4, 7);
  gate.played(reply, RATE);
  const start = now;
  const passed: boolean[] = [];
  const personChunks = new Set<number>();
  const delay = (options.delayMs * RATE) / 1000;
  for (let c = 0; c * CHUNK < reply.length + 8000; c++) {
    now = start + ((c + 1) * CHUNK * 1000) / RATE;
    const pcm = new Int16Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) {
      const at = c * CHUNK + i;
      const echo = reply[at - delay] ?? 0;
      let v = echo * options.gain;
      const p = options.person;
      if (p) {
        const k = at - (p.atMs * RATE) / 1000;
        if (k >= 0 && k < p.pcm.length) {
          v += p.pcm[k]!;
          if (p.pcm[k] !== 0) personChunks.add(c);
        }
      }
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
    const out = gate.filter({ pcm, rate: RATE, timestampMs: c * 80 });
    // Suppressed audio is a faint noise, never louder than a few steps.
    passed.push(out.pcm.some((s) => Math.abs(s) > 50));
  }
  return { passed, personChunks };
}

describe('EchoGate', () => {
  it('passes audio untouched when nothing plays', () => {
    const gate = new EchoGate();
    const pcm = Int16Array.from({ length: CHUNK }, (_, i) => (i % 7) * 1000);
    expect(gate.filter({ pcm, rate: RATE, timestampMs: 0 }).pcm).toBe(pcm);
  });

  it.each([
    { delayMs: 40, gain: 0.4 },
    { delayMs: 180, gain: 1.5 }, // a loud speaker right next to the mic
    { delayMs: 320, gain: 0.8 }, // a deep playback buffer
  ])('silences its own reply (delay $delayMs ms, gain $gain)', ({ delayMs, gain }) => {
    const { passed } = runRoom({ delayMs, gain });
    expect(passed.filter(Boolean).length).toBeLessThanOrEqual(1);
  });

  it('lets a person talking over the reply through', () => {
    const voice = speechLike(1, 99).map((s) => s * 2);
    const { passed, personChunks } = runRoom({
      delayMs: 60,
      gain: 0.5,
      person: { pcm: voice, atMs: 1500 },
    });
    const heard = [...personChunks].filter((c) => passed[c]).length;
    expect(heard / personChunks.size).toBeGreaterThan(0.6);
    // And outside the person's words, the echo stays out.
    const leaked = passed.filter((p, c) => p && !personChunks.has(c)).length;
    expect(leaked).toBeLessThanOrEqual(2);
  });

  it('after playback is cut short, the mic is live again within the echo tail', () => {
    let now = 0;
    const gate = new EchoGate({ tailMs: 200 }, () => now);
    gate.played(speechLike(3, 3), RATE);
    const chunk = (c: number) => ({
      pcm: new Int16Array(CHUNK).fill(500),
      rate: RATE,
      timestampMs: c * 80,
    });
    let c = 0;
    for (; c < 6; c++) {
      now = (c + 1) * 80;
      gate.filter(chunk(c));
    }
    expect(gate.active).toBe(true);
    gate.stopped();
    for (; c < 10; c++) {
      now = (c + 1) * 80;
      gate.filter(chunk(c));
    }
    expect(gate.active).toBe(false);
    const after = chunk(c);
    expect(gate.filter(after).pcm).toBe(after.pcm);
  });
});
