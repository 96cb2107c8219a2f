/**
 * Wyoming framing (rhasspy/wyoming README, "Format"; event.py): a one-line JSON header ending in
 * "\n" with `type`, optional `data`, `data_length`, `payload_length` and `version`; then exactly
 * `data_length` bytes of UTF-8 JSON merged on top of `data`; then exactly `payload_length` bytes
 * of payload. Anything malformed or over a limit is an AppError('engine-protocol').
 */
import { AppError } from '../../errors.js';
import { WYOMING_VERSION, type EventData, type EventType, type RawEvent } from './events.js';

export interface DecoderLimits {
  /** Longest header line, newline excluded (default 64 KiB, the python reader's line limit). */
  readonly maxHeaderBytes?: number;
  /** Largest additional-data section (default 1 MiB: a Piper `info` lists hundreds of voices). */
  readonly maxDataBytes?: number;
  /** Largest payload (default 1 MiB: far above any audio chunk). */
  readonly maxPayloadBytes?: number;
}

const MAX_TYPE_CHARS = 128;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function protocolError(message: string, cause?: unknown): AppError {
  return new AppError('engine-protocol', message, false, { cause });
}

/**
 * Encodes one event as the python library does: data goes in the additional-data section (so the
 * header line stays short), and empty data or an empty payload is left out entirely.
 */
export function encodeEvent<K extends EventType>(
  type: K,
  data?: EventData<K>,
  payload?: Uint8Array,
): Buffer {
  return encodeRaw(type, data, payload);
}

/** Same as `encodeEvent` for any event type, known or not. */
export function encodeRaw(
  type: string,
  data?: Readonly<Record<string, unknown>>,
  payload?: Uint8Array,
): Buffer {
  const header: Record<string, unknown> = { type, version: WYOMING_VERSION };
  let dataBytes = EMPTY;
  if (data !== undefined && Object.keys(data).length > 0) {
    dataBytes = Buffer.from(JSON.stringify(data), 'utf8');
    header.data_length = dataBytes.length;
  }
  const payloadBytes = payload && payload.byteLength > 0 ? payload : EMPTY;
  if (payloadBytes.byteLength > 0) header.payload_length = payloadBytes.byteLength;
  const line = Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');
  return Buffer.concat([line, dataBytes, payloadBytes]);
}

function parseJson(bytes: Buffer, what: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (err) {
    throw protocolError(`${what} is not valid UTF-8`, err);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw protocolError(`${what} is not valid JSON`, err);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `data_length` / `payload_length`: absent, null, or a non-negative integer within `max`. */
function lengthField(header: Record<string, unknown>, key: string, max: number): number {
  const v = header[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw protocolError(`header ${key} must be a non-negative integer`);
  }
  if (v > max) throw protocolError(`${key} ${v} exceeds the limit of ${max} bytes`);
  return v;
}

interface Pending {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly dataLength: number;
  readonly payloadLength: number;
}

/**
 * Incremental decoder: feed it whatever the socket delivers, get whole events back. After the
 * first error it stays failed, since the framing of the rest of the stream is unknown.
 */
export class WyomingDecoder {
  private readonly maxHeader: number;
  private readonly maxData: number;
  private readonly maxPayload: number;
  private parts: Buffer[] = [];
  private buffered = 0;
  /** Bytes of `parts` already searched for the header's newline. */
  private scanned = 0;
  private pending: Pending | undefined;
  private failure: AppError | undefined;

  constructor(limits: DecoderLimits = {}) {
    this.maxHeader = limits.maxHeaderBytes ?? 64 * 1024;
    this.maxData = limits.maxDataBytes ?? 1024 * 1024;
    this.maxPayload = limits.maxPayloadBytes ?? 1024 * 1024;
  }

  /** True when no partial event is buffered: the stream may end here cleanly. */
  get idle(): boolean {
    return this.buffered === 0 && this.pending === undefined;
  }

  /** Decodes every event completed by `chunk`; throws AppError('engine-protocol') on bad input. */
  push(chunk: Uint8Array): RawEvent[] {
    if (this.failure) throw this.failure;
    if (chunk.byteLength > 0) {
      this.parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.buffered += chunk.byteLength;
    }
    const events: RawEvent[] = [];
    try {
      for (;;) {
        const event = this.next();
        if (event === undefined) return events;
        events.push(event);
      }
    } catch (err) {
      this.failure = err instanceof AppError ? err : protocolError('undecodable input', err);
      this.parts = [];
      this.buffered = 0;
      throw this.failure;
    }
  }

  private next(): RawEvent | undefined {
    if (this.pending === undefined) {
      const line = this.takeLine();
      if (line === undefined) return undefined;
      this.pending = this.parseHeader(line);
    }
    const { type, data, dataLength, payloadLength } = this.pending;
    if (this.buffered < dataLength + payloadLength) return undefined;
    let merged = data;
    if (dataLength > 0) {
      const extra = parseJson(this.take(dataLength), `${type} data section`);
      if (!isObject(extra)) throw protocolError(`${type} data section must be a JSON object`);
      // Spread defines own properties, so a "__proto__" key stays a plain key (Object.assign would
      // set the prototype). README: the data section is "merged on top of header data".
      merged = { ...data, ...extra };
    }
    const payload = payloadLength > 0 ? this.take(payloadLength) : EMPTY;
    this.pending = undefined;
    return { type, data: merged, payload };
  }

  private parseHeader(line: Buffer): Pending {
    // Tolerate CRLF; the spec says "\n" but a hand-typed `nc` session sends "\r\n".
    const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
    const header = parseJson(line.subarray(0, end), 'header line');
    if (!isObject(header)) throw protocolError('header must be a JSON object');
    const { type } = header;
    if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_CHARS) {
      throw protocolError(`header type must be a string of 1-${MAX_TYPE_CHARS} characters`);
    }
    const data = header.data ?? {};
    if (!isObject(data)) throw protocolError(`${type} header data must be a JSON object`);
    if (
      header.version !== undefined &&
      header.version !== null &&
      typeof header.version !== 'string'
    ) {
      throw protocolError(`${type} header version must be a string`);
    }
    return {
      type,
      data,
      dataLength: lengthField(header, 'data_length', this.maxData),
      payloadLength: lengthField(header, 'payload_length', this.maxPayload),
    };
  }

  /** The next header line without its newline, or undefined while it is incomplete. */
  private takeLine(): Buffer | undefined {
    let offset = 0;
    for (const part of this.parts) {
      if (offset + part.length > this.scanned) {
        const from = Math.max(0, this.scanned - offset);
        const at = part.indexOf(NEWLINE, from);
        if (at >= 0) {
          const lineLength = offset + at;
          if (lineLength > this.maxHeader) break;
          const line = this.take(lineLength);
          this.take(1);
          this.scanned = 0;
          return line;
        }
      }
      offset += part.length;
    }
    this.scanned = this.buffered;
    if (this.buffered > this.maxHeader) {
      throw protocolError(`header line exceeds the limit of ${this.maxHeader} bytes`);
    }
    return undefined;
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const part = this.parts[0]!;
      const want = Math.min(part.length, n - at);
      part.copy(out, at, 0, want);
      at += want;
      if (want === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(want);
    }
    return out;
  }
}
