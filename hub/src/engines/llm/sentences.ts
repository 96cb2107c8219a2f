import { SentenceSplitter, type SentenceSplitterOptions } from '../tts/sentence-splitter.js';
import type { LlmChunk } from './types.js';

/*
 * Stream adapters over the TTS sentence splitter (which already handles ". ? !", newlines,
 * abbreviations and decimals incrementally), so speech can start on an LLM's first sentence
 * while it is still writing the next.
 */

/** Whole sentences of a stream of text deltas, each as soon as it ends; the rest at the end. */
export async function* sentences(
  deltas: AsyncIterable<string>,
  options?: SentenceSplitterOptions,
): AsyncIterable<string> {
  const splitter = new SentenceSplitter(options);
  for await (const delta of deltas) yield* splitter.push(delta);
  yield* splitter.flush();
}

/**
 * The same LLM stream with its text regrouped into whole sentences: each `text` chunk it yields
 * is one sentence. Tool calls and `done` pass through in order; any unfinished sentence is
 * flushed before them, so nothing said before a tool call is held back behind it.
 */
export async function* bySentence(
  chunks: AsyncIterable<LlmChunk>,
  options?: SentenceSplitterOptions,
): AsyncIterable<LlmChunk> {
  const splitter = new SentenceSplitter(options);
  const text = (list: readonly string[]): LlmChunk[] =>
    list.map((sentence) => ({ type: 'text', text: sentence }));
  for await (const chunk of chunks) {
    switch (chunk.type) {
      case 'text':
        yield* text(splitter.push(chunk.text));
        break;
      case 'tool-call':
      case 'done':
        yield* text(splitter.flush());
        yield chunk;
        break;
    }
  }
  yield* text(splitter.flush());
}
