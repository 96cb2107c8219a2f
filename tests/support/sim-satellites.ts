/**
 * Child-process entry for the load and soak benchmarks: many simulated satellites, each on the
 * real `HubLink` with its own `TokenSigner`, streaming 20 ms microphone frames at real time.
 * There is no wake engine: a satellite that "speaks" sends `wake` itself, then a new mic stream
 * with the utterance, as a satellite does after hearing its wake word. Driven over IPC by
 * `sim-fleet.ts`: `start` → `connected`, `go` → … → `done` with this process's counts.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { HubLink, TokenSigner } from '@jarvis/satellite';
import type { DownEvent } from '@jarvis/protocol';

const FRAME_MS = 20;
const FRAME_SAMPLES = 320;
/** A session the hub has not ended after this long counts as lost. */
const SESSION_TIMEOUT_MS = 30_000;

export interface SimUtterance {
  readonly text: string;
  /** 16 kHz mono s16. */
  readonly pcm: Int16Array;
  /** Audio before the command proper (lead silence and "hey jarvis"), as `audio-start` says. */
  readonly preRollMs: number;
}

export interface SimPlan {
  readonly durationMs: number;
  /** Stream (quiet noise) whenever not speaking, as the transport phase and the soak do. */
  readonly idleStream: boolean;
  /** Speak: first after `firstMs` (staggered per satellite), then a gap drawn from the range. */
  readonly speak?: { readonly firstMs: [number, number]; readonly gapMs: [number, number] };
}

export type SimRequest =
  | {
      type: 'start';
      hubUrl: string;
      hubId: string;
      satellites: { id: string; privateKeyPem: string }[];
      utterances: SimUtterance[];
      plan: SimPlan;
    }
  | { type: 'go' };

export interface SimCounts {
  satellites: number;
  framesSent: number;
  /** Frames due while the link was down (not sent). */
  framesUnsent: number;
  /** How late each frame left its satellite against its real-time schedule, in 0.1 ms bins. */
  sendLateBins: number[];
  disconnects: number;
  sessions: { started: number; ended: Record<string, number>; timedOut: number; busy: number };
  sessionMs: number[];
}

export type SimReport = { type: 'connected' } | ({ type: 'done' } & SimCounts);

const LATE_BINS = 2000; // 0…200 ms in 0.1 ms bins; the last bin takes the rest.
const log = pino({ level: 'silent' });
const counts: SimCounts = {
  satellites: 0,
  framesSent: 0,
  framesUnsent: 0,
  sendLateBins: new Array<number>(LATE_BINS).fill(0),
  disconnects: 0,
  sessions: { started: 0, ended: {}, timedOut: 0, busy: 0 },
  sessionMs: [],
};

/** A few frames of quiet noise (about −60 dBFS), cycled: silence the VAD will not mistake. */
const NOISE = Array.from({ length: 8 }, () =>
  Int16Array.from({ length: FRAME_SAMPLES }, () => Math.round((Math.random() - 0.5) * 60)),
);

const between = ([lo, hi]: [number, number]): number => lo + Math.random() * (hi - lo);

class SimSatellite {
  private stream = 0;
  private sequence = 0;
  private streaming = false;
  /** performance.now() when the next frame is due. */
  nextDueMs = Infinity;
  private speech: Int16Array[] = [];
  private session: { wakeAt: number; timer: NodeJS.Timeout } | undefined;
  private nextSpeak: NodeJS.Timeout | undefined;
  private stopped = false;
  private closing = false;

  constructor(
    private readonly link: HubLink,
    private readonly plan: SimPlan,
    private readonly utterances: SimUtterance[],
  ) {
    link.on('event', (e) => this.onEvent(e));
    link.on('down', () => {
      if (this.closing) return; // our own close() at the end
      counts.disconnects++;
      // The hub cancels the session of a satellite that went away: no session-end follows.
      this.finish('disconnected');
    });
  }

  /** Starts at `t0` (performance time), its frames offset by `phaseMs` within the 20 ms period. */
  begin(t0: number, phaseMs: number, speakAfterMs: number | undefined): void {
    this.nextDueMs = t0 + phaseMs;
    if (this.plan.idleStream) this.startStream(undefined);
    if (speakAfterMs !== undefined) this.nextSpeak = setTimeout(() => this.speak(), speakAfterMs);
  }

  /** Sends every frame now due (catching up after a late tick, as a buffered microphone would). */
  pump(now: number): void {
    while (this.nextDueMs <= now) {
      if (this.streaming) this.sendFrame(now);
      this.nextDueMs += FRAME_MS;
    }
  }

  /** Stops speaking and streaming; resolves once no session is waiting for its end. */
  async end(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.nextSpeak);
    const deadline = Date.now() + SESSION_TIMEOUT_MS;
    while (this.session && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    this.stopStream();
    this.nextDueMs = Infinity;
  }

  close(): Promise<void> {
    this.closing = true;
    return this.link.stop();
  }

  private sendFrame(now: number): void {
    const pcm = this.speech.shift() ?? NOISE[this.sequence % NOISE.length]!;
    const sent = this.link.sendAudio({
      kind: 'mic',
      stream: this.stream,
      sequence: this.sequence,
      timestampMs: this.sequence * FRAME_MS,
      pcm,
    });
    this.sequence++;
    if (!sent) {
      counts.framesUnsent++;
      return;
    }
    counts.framesSent++;
    const bin = Math.min(LATE_BINS - 1, Math.floor((now - this.nextDueMs) * 10));
    counts.sendLateBins[bin]!++;
  }

  private startStream(preRollMs: number | undefined): void {
    this.stopStream();
    this.stream = (this.stream + 1) & 0xffff;
    this.sequence = 0;
    this.link.send({
      type: 'audio-start',
      stream: this.stream,
      kind: 'mic',
      rate: 16000,
      width: 2,
      channels: 1,
      ...(preRollMs === undefined ? {} : { preRollMs }),
    });
    this.streaming = true;
  }

  private stopStream(): void {
    if (!this.streaming) return;
    this.link.send({ type: 'audio-stop', stream: this.stream });
    this.streaming = false;
    this.speech = [];
  }

  private speak(): void {
    if (this.stopped || this.session || !this.link.ready) return this.scheduleSpeak();
    const u = this.utterances[Math.floor(Math.random() * this.utterances.length)]!;
    counts.sessions.started++;
    // The idle stream ends first: an audio-stop after the wake would end the new session's audio.
    this.stopStream();
    this.link.send({ type: 'wake', name: 'hey_jarvis', score: 0.9, timeMs: Date.now() });
    this.startStream(u.preRollMs);
    for (let at = 0; at < u.pcm.length; at += FRAME_SAMPLES)
      this.speech.push(u.pcm.subarray(at, at + FRAME_SAMPLES));
    this.session = {
      wakeAt: performance.now(),
      timer: setTimeout(() => this.finish(undefined), SESSION_TIMEOUT_MS),
    };
  }

  private finish(outcome: string | undefined): void {
    if (!this.session) return;
    clearTimeout(this.session.timer);
    if (outcome === undefined) counts.sessions.timedOut++;
    else {
      counts.sessions.ended[outcome] = (counts.sessions.ended[outcome] ?? 0) + 1;
      counts.sessionMs.push(performance.now() - this.session.wakeAt);
    }
    this.session = undefined;
    if (this.plan.idleStream) this.startStream(undefined);
    else this.stopStream();
    this.scheduleSpeak();
  }

  private scheduleSpeak(): void {
    if (this.stopped || !this.plan.speak) return;
    this.nextSpeak = setTimeout(() => this.speak(), between(this.plan.speak.gapMs));
  }

  /** Only the events that end a stream or a session matter to a simulated satellite. */
  private onEvent(event: DownEvent): void {
    if (!this.session) return;
    if (event.type === 'listening' && !event.active) {
      // The hub has heard enough: a satellite stops this stream here.
      if (this.plan.idleStream) this.startStream(undefined);
      else this.stopStream();
    } else if (event.type === 'session-end') {
      this.finish(event.outcome);
    } else if (event.type === 'stand-down') {
      // The hub gave the wake-up to another satellite: no session-end follows.
      this.finish('stood-down');
    } else if (event.type === 'error' && event.code === 'session-busy') {
      counts.sessions.busy++;
      this.finish('busy');
    }
  }
}

let sims: SimSatellite[] = [];
let plan: SimPlan | undefined;
const reply = (msg: SimReport): void => void process.send?.(msg);

async function connectAll(msg: Extract<SimRequest, { type: 'start' }>): Promise<void> {
  plan = msg.plan;
  const utterances = msg.utterances.map((u) => ({ ...u, pcm: new Int16Array(u.pcm) }));
  const pending = [...msg.satellites];
  const connectOne = async (sat: { id: string; privateKeyPem: string }): Promise<void> => {
    const link = new HubLink({
      hubUrl: msg.hubUrl,
      signer: await TokenSigner.fromPem(sat.privateKeyPem, sat.id, msg.hubId),
      hello: {
        satelliteId: sat.id,
        capabilities: {
          wakeWords: ['hey_jarvis'],
          audioIn: { rate: 16000, width: 2, channels: 1 },
          audioOut: true,
          leds: false,
        },
      },
      log,
    });
    const ready = new Promise<void>((resolve, reject) => {
      link.once('ready', () => resolve());
      link.once('refused', (status, body) => reject(new Error(`${sat.id}: ${status} ${body}`)));
    });
    link.start();
    await ready;
    sims.push(new SimSatellite(link, msg.plan, utterances));
  };
  // A few at a time: the hub verifies each token and the senders share the CPU with it.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let sat = pending.shift(); sat; sat = pending.shift()) await connectOne(sat);
    }),
  );
  counts.satellites = sims.length;
  reply({ type: 'connected' });
}

async function run(): Promise<void> {
  const p = plan!;
  const t0 = performance.now() + 50;
  sims.forEach((sim, i) => {
    const first = p.speak
      ? p.speak.firstMs[0] + ((p.speak.firstMs[1] - p.speak.firstMs[0]) * i) / sims.length
      : undefined;
    sim.begin(t0, (FRAME_MS * i) / sims.length, first);
  });
  const until = t0 + p.durationMs;
  // One timer for all satellites, set for the earliest frame due: against a start time, so
  // lateness never accumulates.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (now >= until) return resolve();
      let next = until;
      for (const sim of sims) {
        sim.pump(now);
        if (sim.nextDueMs < next) next = sim.nextDueMs;
      }
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  // Sessions in flight finish (their frames still due) before the links close.
  const ending = Promise.all(sims.map((s) => s.end()));
  const drain = setInterval(() => {
    const now = performance.now();
    for (const sim of sims) sim.pump(now);
  }, FRAME_MS);
  await ending;
  clearInterval(drain);
  await Promise.all(sims.map((s) => s.close()));
  reply({ type: 'done', ...counts });
  sims = [];
}

process.on('message', (msg: SimRequest) => {
  const work = msg.type === 'start' ? connectAll(msg) : run();
  work.catch((err: unknown) => {
    console.error('sim-satellites failed:', err);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
