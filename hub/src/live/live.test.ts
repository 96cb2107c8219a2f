import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { latencyPercentiles } from '../api/system-api.js';
import { LiveEvents } from './live-events.js';
import { ReplyAudio } from './reply-audio.js';

describe('reply audio', () => {
  it('keeps-the-latest-sessions-cut-at-their-length-and-as-wav', () => {
    const replies = new ReplyAudio(2, 1);
    const chunk = (n: number, rate = 16000) => ({
      pcm: new Int16Array(n).fill(7),
      rate,
      timestampMs: 0,
    });
    replies.add('a', chunk(8000));
    replies.add('a', chunk(8000));
    replies.add('a', chunk(8000)); // past one second: not kept
    replies.add('a', chunk(100, 22050)); // another rate: not mixed in
    const wav = replies.wav('a')!;
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe('RIFF');
    expect(wav.length).toBe(44 + 16000 * 2);
    replies.add('b', chunk(10));
    replies.add('c', chunk(10)); // a third session pushes out the oldest
    expect(replies.has('a')).toBe(false);
    expect(replies.has('b') && replies.has('c')).toBe(true);
    expect(replies.wav('nope')).toBeUndefined();
  });
});

describe('live events', () => {
  it('reach-every-listener-even-when-one-throws-and-stop-on-unsubscribe', () => {
    const live = new LiveEvents(pino({ level: 'silent' }));
    const got: string[] = [];
    const stop = live.subscribe((e) => got.push(`a:${e.type}`));
    live.subscribe(() => {
      throw new Error('broken tab');
    });
    live.subscribe((e) => got.push(`c:${e.type}`));
    live.publish({ type: 'timers' });
    stop();
    live.publish({ type: 'timers' });
    expect(got).toEqual(['a:timers', 'c:timers', 'c:timers']);
    expect(live.listenerCount).toBe(2);
  });
});

describe('latency percentiles', () => {
  it('are-nearest-rank-per-stage-and-skip-stages-never-reached', () => {
    const timings = Array.from({ length: 20 }, (_, i) => ({ sttMs: i + 1, totalMs: 100 }));
    timings.push({ sttMs: Number.NaN, totalMs: 100 });
    const p = latencyPercentiles(timings);
    expect(p['stt']).toEqual({ p50Ms: 10, p95Ms: 19, count: 20 });
    expect(p['total']).toEqual({ p50Ms: 100, p95Ms: 100, count: 21 });
    expect(p['endpoint']).toBeUndefined();
    expect(latencyPercentiles([])).toEqual({});
  });
});
