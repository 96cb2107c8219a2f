/**
 * Write-behind for session records: a record the database refuses is kept (in memory, bounded,
 * and appended to a JSONL spool file so a crash loses nothing) and written later, with capped
 * backoff, once the database answers again, and at the next start-up.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { SessionRecord } from './sessions.js';

export interface RecordSpoolOptions {
  /** Writes one record; must be idempotent (the same id twice stores it once). */
  readonly save: (record: SessionRecord) => Promise<void>;
  /** Folder of the spool file; memory only when absent. */
  readonly dir?: string | undefined;
  /** Records kept at most; beyond it the oldest are dropped (counted and logged). */
  readonly maxPending?: number;
  readonly log: Logger;
  /** Told the number of records waiting whenever it changes (the pending gauge). */
  readonly onPending?: (count: number) => void;
  /** Told how many records were given up (over the bound, or refused by the database for good). */
  readonly onDropped?: (count: number) => void;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export const SPOOL_FILE = 'session-records.jsonl';

/** The configured spool folder; else `spool` beside the data folder; none for `memory://`. */
export function spoolDir(config: {
  readonly dataDir: string;
  readonly storage: { readonly spoolDir?: string | undefined };
}): string | undefined {
  if (config.storage.spoolDir) return config.storage.spoolDir;
  return config.dataDir === 'memory://' ? undefined : join(dirname(config.dataDir), 'spool');
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity): retrying the same row cannot help. */
const isPermanent = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
};

const isDate = (v: unknown): v is string => typeof v === 'string' && !isNaN(Date.parse(v));

/** A spooled line back to a record; undefined for a torn or foreign line. */
export function reviveRecord(line: string): SessionRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r['id'] !== 'string' || r['id'].length === 0 || r['id'].length > 100) return undefined;
  if (typeof r['satelliteId'] !== 'string' || !isDate(r['startedAt'])) return undefined;
  if (r['endedAt'] !== null && !isDate(r['endedAt'])) return undefined;
  if (typeof r['timings'] !== 'object' || typeof r['engines'] !== 'object') return undefined;
  // JSON turned the dates into ISO strings.
  return {
    ...(r as unknown as SessionRecord),
    startedAt: new Date(r['startedAt']),
    endedAt: r['endedAt'] === null ? null : new Date(r['endedAt']),
  };
}

export class RecordSpool {
  /** By id, oldest first: a record spooled twice is written once. */
  private readonly pending = new Map<string, SessionRecord>();
  private readonly max: number;
  private readonly file: string | undefined;
  /** Lines in the spool file, so it is compacted before it outgrows the bound. */
  private fileLines = 0;
  /** File writes run one at a time, in order. */
  private fileOps: Promise<void> = Promise.resolve();
  private flushing: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: RecordSpoolOptions) {
    this.max = options.maxPending ?? 10_000;
    this.file = options.dir ? join(options.dir, SPOOL_FILE) : undefined;
  }

  /** Records waiting for the database. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Loads what an earlier run left in the spool file and starts writing it, in the background:
   * a long backlog does not hold up start-up.
   */
  async start(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT')
        this.options.log.error({ err: (err as Error).message }, 'cannot read the record spool');
      return;
    }
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const record = reviveRecord(line);
      // A kill during an append can leave a torn last line.
      if (record) this.keep(record);
      else bad += 1;
    }
    this.fileLines = text.split('\n').filter((l) => l.trim() !== '').length;
    if (bad > 0) this.options.log.warn({ lines: bad }, 'unreadable lines in the record spool');
    if (this.pending.size > 0)
      this.options.log.info({ records: this.pending.size }, 'writing spooled session records');
    this.changed();
    void this.flush();
  }

  /** Stores the record now, or keeps it for later; never throws. */
  async save(record: SessionRecord): Promise<void> {
    if (this.closed) return this.spool(record);
    try {
      await this.options.save(record);
      // The database answers again: what waits need not wait for the timer.
      if (this.pending.size > 0) this.schedule(0);
    } catch (err) {
      if (isPermanent(err)) return this.giveUp(record, err);
      this.options.log.warn(
        { err: (err as Error).message, sessionId: record.id },
        'session record kept for later: storage failed',
      );
      await this.spool(record);
    }
  }

  /** Writes every waiting record it can, oldest first; stops at the first transient failure. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops retrying, after one last try; what is left stays in the spool file for next time. */
  async close(): Promise<void> {
    clearTimeout(this.retry);
    await this.flush();
    this.closed = true;
    clearTimeout(this.retry);
    await this.fileOps;
  }

  private async flushOnce(): Promise<void> {
    clearTimeout(this.retry);
    this.retry = undefined;
    let done = 0;
    for (const [id, record] of [...this.pending]) {
      try {
        await this.options.save(record);
      } catch (err) {
        if (!isPermanent(err)) {
          this.failures += 1;
          break;
        }
        this.giveUp(record, err);
      }
      this.pending.delete(id);
      done += 1;
    }
    if (this.pending.size === 0) this.failures = 0;
    // Also covers records spooled while this pass ran.
    else this.schedule(this.backoffMs());
    if (done > 0) {
      this.options.log.info({ done, left: this.pending.size }, 'spooled session records written');
      this.changed();
      await this.rewrite();
    }
  }

  private async spool(record: SessionRecord): Promise<void> {
    this.keep(record);
    this.changed();
    await this.append(record);
    if (!this.closed && this.retry === undefined && !this.flushing) this.schedule(this.backoffMs());
  }

  /** Holds a record in memory, dropping the oldest beyond the bound. */
  private keep(record: SessionRecord): void {
    this.pending.delete(record.id);
    this.pending.set(record.id, record);
    let dropped = 0;
    for (const id of this.pending.keys()) {
      if (this.pending.size <= this.max) break;
      this.pending.delete(id);
      dropped += 1;
    }
    if (dropped > 0) {
      this.options.onDropped?.(dropped);
      this.options.log.error(
        { dropped, max: this.max },
        'session records dropped: the spool is full while storage is down',
      );
    }
  }

  private giveUp(record: SessionRecord, err: unknown): void {
    this.options.onDropped?.(1);
    this.options.log.error(
      { err: (err as Error).message, sessionId: record.id },
      'session record dropped: the database refuses it',
    );
  }

  private backoffMs(): number {
    const min = this.options.retryMinMs ?? 500;
    const max = this.options.retryMaxMs ?? 10_000;
    return Math.min(max, min * 2 ** Math.min(this.failures, 16));
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.flush(), ms);
    this.retry.unref();
  }

  private changed(): void {
    this.options.onPending?.(this.pending.size);
  }

  /** Appends one line; past twice the bound the file is rewritten from memory instead. */
  private append(record: SessionRecord): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    if (this.fileLines + 1 > 2 * this.max) return this.rewrite();
    this.fileLines += 1;
    return this.fileOp(async () => {
      await mkdir(this.options.dir ?? '', { recursive: true, mode: 0o700 });
      // Transcripts: readable by the hub's user only.
      await appendFile(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    });
  }

  /** Replaces the file with what is still pending (write then rename: never half a file). */
  private rewrite(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    return this.fileOp(async () => {
      const lines = [...this.pending.values()].map((r) => `${JSON.stringify(r)}\n`);
      await mkdir(this.options.dir ?? '', { recursive: true, mode: 0o700 });
      await writeFile(`${file}.tmp`, lines.join(''), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      this.fileLines = lines.length;
    });
  }

  private fileOp(op: () => Promise<void>): Promise<void> {
    const next = this.fileOps.then(op).catch((err: unknown) => {
      // Memory still holds the records; only a crash now would lose them.
      this.options.log.error({ err: (err as Error).message }, 'cannot write the record spool');
    });
    this.fileOps = next;
    return next;
  }
}
