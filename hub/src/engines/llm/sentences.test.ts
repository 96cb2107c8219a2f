import { describe, expect, it } from 'vitest';
import { bySentence, sentences } from './sentences.js';
import type { LlmChunk } from './types.js';

async function* from<T>(...items: T[]): AsyncIterable<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('sentences', () => {
  it('splits-deltas-at-sentence-ends-and-flushes-the-rest', async () => {
    expect(
      await all(
        sentences(
          from(
            'Mr. Smith paid 3',
            '.5 euros, e.g. ',
            'for tea. Did it',
            ' work? Yes! A',
            'nd\nthen',
            ' the end',
          ),
        ),
      ),
    ).toEqual([
      'Mr. Smith paid 3.5 euros, e.g. for tea.',
      'Did it work?',
      'Yes!',
      'And',
      'then the end',
    ]);
  });

  it('yields-a-sentence-before-the-stream-ends', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* deltas(): AsyncIterable<string> {
      yield 'The light is on. ';
      await gate; // the rest of the answer has not been written yet
      yield 'Anything else?';
    }
    const it = sentences(deltas())[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 'The light is on.' });
    release();
    expect(await it.next()).toEqual({ done: false, value: 'Anything else?' });
    expect((await it.next()).done).toBe(true);
  });
});

describe('bySentence', () => {
  it('regroups-text-and-flushes-before-tool-calls-and-done', async () => {
    const chunks: LlmChunk[] = [
      { type: 'text', text: 'Let me' },
      { type: 'text', text: ' check. One' },
      { type: 'text', text: ' moment' },
      { type: 'tool-call', name: 'get_time', arguments: {} },
      { type: 'text', text: 'It is 3' },
      { type: 'text', text: '.15 p.m. now' },
      { type: 'done', completionTokens: 9 },
    ];
    expect(await all(bySentence(from(...chunks)))).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'text', text: 'One moment' },
      { type: 'tool-call', name: 'get_time', arguments: {} },
      { type: 'text', text: 'It is 3.15 p.m. now' },
      { type: 'done', completionTokens: 9 },
    ]);
  });
});
