import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../devices/registry.js';
import { IntentMatcher } from '../intents/intents.js';
import { Endpoint, type EndpointPolicy } from './endpoint.js';

const matcher = new IntentMatcher(
  new DeviceRegistry([
    { id: 'kitchen-light', name: 'light', room: 'kitchen', commandTopic: 'home/kitchen/light/set' },
  ]),
);
const isCommand = (text: string): boolean => matcher.match(text) !== undefined;
const ADAPTIVE: EndpointPolicy = { adaptive: true, commandSilenceMs: 250, silenceMs: 700 };

function endpoint(policy = ADAPTIVE, preRollMs = 1500): Endpoint {
  return new Endpoint(policy, isCommand, () => preRollMs);
}

describe('adaptive endpointing', () => {
  it('ends-at-a-short-pause-when-the-partial-is-a-whole-command', () => {
    const e = endpoint();
    expect(e.vad({ type: 'speech-start', timestampMs: 1700 })).toBe('first-speech');
    e.partialTranscript('hey jarvis turn on the kitchen light');
    expect(e.vad({ type: 'speech-end', timestampMs: 3200 })).toBe('end');
    expect(e.speechEndMs).toBe(3200);
  });

  it('waits-the-long-silence-when-the-command-is-not-complete', () => {
    const e = endpoint();
    e.vad({ type: 'speech-start', timestampMs: 1700 });
    e.partialTranscript('hey jarvis turn on the');
    expect(e.vad({ type: 'speech-end', timestampMs: 2600 })).toBeUndefined();
    expect(e.audioUntil(3000)).toBeUndefined();
    expect(e.audioUntil(3300)).toBe('end');
    expect(e.speechEndMs).toBe(2600);
  });

  it('keeps-listening-when-speech-resumes-after-a-pause', () => {
    const e = endpoint();
    e.vad({ type: 'speech-start', timestampMs: 1700 });
    e.partialTranscript('turn on the');
    e.vad({ type: 'speech-end', timestampMs: 2600 });
    expect(e.vad({ type: 'speech-start', timestampMs: 2900 })).toBeUndefined();
    expect(e.audioUntil(3400)).toBeUndefined();
    e.partialTranscript('turn on the kitchen light');
    expect(e.vad({ type: 'speech-end', timestampMs: 3600 })).toBe('end');
  });

  it('ends-when-a-late-partial-completes-the-command-during-the-pause', () => {
    const e = endpoint();
    e.vad({ type: 'speech-start', timestampMs: 1700 });
    e.partialTranscript('turn on the kitchen');
    e.vad({ type: 'speech-end', timestampMs: 2800 });
    expect(e.partialTranscript('turn on the kitchen light')).toBe('end');
    expect(e.speechEndMs).toBe(2800);
  });

  it('ignores-the-end-of-the-wake-phrase-inside-the-pre-roll', () => {
    const e = endpoint();
    e.vad({ type: 'speech-start', timestampMs: 200 });
    e.partialTranscript('hey jarvis');
    expect(e.vad({ type: 'speech-end', timestampMs: 1100 })).toBeUndefined();
    expect(e.speechStarted).toBe(false);
    expect(e.audioUntil(5000)).toBeUndefined();
    expect(e.vad({ type: 'speech-start', timestampMs: 2500 })).toBe('first-speech');
  });
});

describe('fixed endpointing', () => {
  it('ends-at-the-vad-speech-end-whatever-the-transcript', () => {
    const e = endpoint({ ...ADAPTIVE, adaptive: false });
    e.vad({ type: 'speech-start', timestampMs: 1700 });
    e.partialTranscript('turn on the');
    expect(e.vad({ type: 'speech-end', timestampMs: 2600 })).toBe('end');
  });
});
