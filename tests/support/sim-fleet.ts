/**
 * The parent side of the load and soak benchmarks: a hub in a child process (`sim-hub.ts`),
 * simulated satellites in one or more others (`sim-satellites.ts`), and what is read from
 * outside them: the hub's /metrics, /proc (RSS, CPU) and its session store.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { HubReply, HubRequest } from './sim-hub.js';
import type { SimCounts, SimPlan, SimReport, SimRequest, SimUtterance } from './sim-satellites.js';
import { concat, speak, type TestVoice } from './voices.js';

const CHILD_ARGV = ['--conditions=source', '--import', 'tsx'];
const CLOCK_TICKS_PER_S = 100;

function spawn(file: string, execArgv: string[] = []): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: [...CHILD_ARGV, ...execArgv],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Sends `msg` (if any) and waits for the child's next message of type `type`. */
function ask<R extends { type: string }, T extends R['type']>(
  child: ChildProcess,
  msg: object | undefined,
  type: T,
): Promise<Extract<R, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`child ${child.pid} exited (${code}) before "${type}"`));
    const onMessage = (m: R): void => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<R, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (msg) child.send(msg);
  });
}

export type Satellites = Extract<HubReply, { type: 'ready' }>['satellites'];

/** The hub in its own process, on embedded defaults, with `satellites` enrolled. */
export class HubProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly hubId: string,
    readonly satellites: Satellites,
  ) {}

  static async start(satellites: number): Promise<HubProcess> {
    // BENCH_HUB_NODE_ARGS: more for the hub's node, e.g. --cpu-prof to see what holds it.
    const extra = process.env['BENCH_HUB_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
    const child = spawn('./sim-hub.ts', ['--expose-gc', ...extra]);
    const ready = await ask<HubReply, 'ready'>(
      child,
      { type: 'start', satellites } satisfies HubRequest,
      'ready',
    );
    return new HubProcess(child, ready.url, ready.hubId, ready.satellites);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resident set size in kB, as the kernel reports it (VmRSS). */
  async rssKb(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  }

  /** CPU seconds (user + system) the hub process has used so far. */
  async cpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_S;
  }

  /** Its /metrics, as `series → value` (the series as written, labels included). */
  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      out.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return out;
  }

  /** Sessions the hub ended (by outcome) and the records its store holds. */
  sessions(): Promise<{ ended: Record<string, number>; stored: number }> {
    return ask<HubReply, 'sessions'>(
      this.child,
      { type: 'sessions' } satisfies HubRequest,
      'sessions',
    );
  }

  /** A full garbage collection in the hub, so RSS readings compare live memory. */
  async gc(): Promise<void> {
    await ask<HubReply, 'gc'>(this.child, { type: 'gc' } satisfies HubRequest, 'gc');
  }

  /** The hub's event-loop delay since the last call (the first: since it started). */
  async loopDelay(): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
    const { p50Ms, p99Ms, maxMs } = await ask<HubReply, 'loop'>(
      this.child,
      { type: 'loop' } satisfies HubRequest,
      'loop',
    );
    return { p50Ms, p99Ms, maxMs };
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' } satisfies HubRequest);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** What all simulator processes counted, merged. */
export type FleetCounts = SimCounts;

/**
 * Runs `satellites` against `hub` from `processes` child processes (split evenly): all connect,
 * then all start together and follow `plan`. Calls `ready` once all are connected, just before
 * they start (within 50 ms), so readings taken there see none of their frames.
 */
export async function runFleet(options: {
  hub: HubProcess;
  satellites: Satellites;
  utterances: SimUtterance[];
  plan: SimPlan;
  processes: number;
  ready?: () => void | Promise<void>;
}): Promise<FleetCounts> {
  const { hub, satellites, plan } = options;
  const n = Math.max(1, Math.min(options.processes, satellites.length));
  const children = Array.from({ length: n }, () => spawn('./sim-satellites.ts'));
  try {
    await Promise.all(
      children.map((child, i) =>
        ask<SimReport, 'connected'>(
          child,
          {
            type: 'start',
            hubUrl: hub.url,
            hubId: hub.hubId,
            satellites: satellites.filter((_, j) => j % n === i),
            utterances: options.utterances,
            plan,
          } satisfies SimRequest,
          'connected',
        ),
      ),
    );
    await options.ready?.();
    const done = children.map((child) =>
      ask<SimReport, 'done'>(child, { type: 'go' } satisfies SimRequest, 'done'),
    );
    return merge(await Promise.all(done));
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

function merge(parts: SimCounts[]): FleetCounts {
  const out: FleetCounts = {
    satellites: 0,
    framesSent: 0,
    framesUnsent: 0,
    sendLateBins: [],
    disconnects: 0,
    sessions: { started: 0, ended: {}, timedOut: 0, busy: 0 },
    sessionMs: [],
  };
  for (const p of parts) {
    out.satellites += p.satellites;
    out.framesSent += p.framesSent;
    out.framesUnsent += p.framesUnsent;
    out.disconnects += p.disconnects;
    p.sendLateBins.forEach((c, i) => (out.sendLateBins[i] = (out.sendLateBins[i] ?? 0) + c));
    out.sessions.started += p.sessions.started;
    out.sessions.timedOut += p.sessions.timedOut;
    out.sessions.busy += p.sessions.busy;
    for (const [k, v] of Object.entries(p.sessions.ended))
      out.sessions.ended[k] = (out.sessions.ended[k] ?? 0) + v;
    out.sessionMs.push(...p.sessionMs);
  }
  return out;
}

/** Percentile `p` (0–100) of a histogram of 0.1 ms bins, in ms. */
export function binPercentile(bins: readonly number[], p: number): number {
  const total = bins.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i] ?? 0;
    if (seen >= (p / 100) * total && seen > 0) return (i + 1) / 10;
  }
  return NaN;
}

/** Nearest-rank percentile `p` (0–100) of samples. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/**
 * Quantile `q` (0–1) of a Prometheus histogram between two scrapes, in the histogram's unit,
 * interpolated inside its bucket as PromQL's histogram_quantile does; Infinity past the last bound.
 */
export function histogramQuantile(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  q: number,
): number {
  const buckets: { le: number; count: number }[] = [];
  for (const [series, value] of after) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(series);
    if (!m) continue;
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    buckets.push({ le, count: value - (before.get(series) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return Infinity;
      return lower + ((b.le - lower) * (rank - below)) / Math.max(1, b.count - below);
    }
    lower = b.le;
    below = b.count;
  }
  return Infinity;
}

/** Seconds as ms to 0.1 ms; past the histogram's last bound (0.5 s), the string '>500'. */
export function lagMs(seconds: number): number | string {
  return Number.isFinite(seconds) ? Math.round(seconds * 10_000) / 10 : '>500';
}

/** A counter's growth between two scrapes (summed over its label sets). */
export function counterDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
): number {
  let sum = 0;
  for (const [series, value] of after)
    if (series === name || series.startsWith(`${name}{`)) sum += value - (before.get(series) ?? 0);
  return sum;
}

/** Commands the default grammar knows, each as "hey jarvis" then the command. */
export const COMMANDS = [
  'turn on the kitchen light',
  'turn off the kitchen light',
  'what time is it',
  'switch off the fan',
];

/**
 * Synthesized utterances, "hey jarvis" then a command, with the pre-roll a satellite would
 * announce: everything up to the end of the wake word.
 */
export async function utterances(
  voices: readonly TestVoice[] = ['espeak', 'flite'],
): Promise<SimUtterance[]> {
  const out: SimUtterance[] = [];
  for (const voice of voices) {
    const wake = await speak('hey jarvis', voice, { leadMs: 300, trailMs: 150 });
    for (const text of COMMANDS) {
      const command = await speak(text, voice, { leadMs: 0, trailMs: 1000 });
      out.push({
        text: `hey jarvis, ${text}`,
        pcm: concat([wake, command]).pcm,
        preRollMs: Math.round((wake.pcm.length / 16000) * 1000),
      });
    }
  }
  return out;
}

/**
 * One spoken session on a fresh hub, not counted: its first one loads the VAD and recogniser
 * models, and on a busy machine runs past the no-speech timeout.
 */
export async function warmUp(hub: HubProcess, spoken: SimUtterance[], together = 1): Promise<void> {
  // Twice: the engines' pools reach the size that many sessions at once need.
  for (let round = 0; round < 2; round++)
    await runFleet({
      hub,
      satellites: hub.satellites.slice(0, together),
      utterances: spoken.slice(0, Math.max(1, together)),
      plan: { durationMs: 1000, idleStream: false, speak: { firstMs: [0, 0], gapMs: [0, 0] } },
      processes: 1,
    });
}
