/** Helpers shared by the Wyoming tests: audio streams, contexts and a raw TCP peer. */
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino } from 'pino';
import type { AudioChunk } from '@jarvis/protocol';
import type { EngineContext } from '../types.js';
import { WyomingDecoder } from './codec.js';
import type { RawEvent } from './events.js';

export function context(signal: AbortSignal = new AbortController().signal): EngineContext {
  return { signal, log: pino({ level: 'silent' }), sessionId: 'test' };
}

/** Streams audio in 20 ms chunks, one per event-loop turn, like a satellite would. */
export async function* stream(pcm: Int16Array, rate = 16_000): AsyncIterable<AudioChunk> {
  const size = rate / 50;
  for (let i = 0; i < pcm.length; i += size) {
    await nextTurn();
    yield { pcm: pcm.subarray(i, i + size), rate, timestampMs: (i * 1000) / rate };
  }
}

/** An audio source that yields one chunk and then never another. */
export async function* stalled(rate = 16_000): AsyncIterable<AudioChunk> {
  yield { pcm: new Int16Array(320), rate, timestampMs: 0 };
  await new Promise(() => undefined);
}

export async function* texts(...items: string[]): AsyncIterable<string> {
  for (const t of items) yield t;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A raw TCP peer that decodes what the server sends, to test the server byte by byte. */
export class RawPeer {
  private readonly events: RawEvent[] = [];
  private readonly decoder = new WyomingDecoder({ maxPayloadBytes: 4 * 1024 * 1024 });
  private notify: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.events.push(...this.decoder.push(chunk));
      this.notify?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.notify?.();
    });
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** Events received until one of type `until` (included), or the connection closes. */
  async readUntil(until: string, timeoutMs = 10_000): Promise<RawEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.events.findIndex((e) => e.type === until);
      if (at >= 0) return this.events.splice(0, at + 1);
      if (this.closed) return this.events.splice(0);
      if (Date.now() > deadline) throw new Error(`no ${until} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.notify = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
