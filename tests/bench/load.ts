/**
 * npm run bench:load — how many satellites one hub carries. The hub runs on embedded defaults in
 * a child process; simulated satellites (the real HubLink and token signer) stream 20 ms mic
 * frames at real time over loopback from one or two other processes.
 *
 * Transport, for each N (BENCH_N, default 50,100,200; BENCH_SECONDS each, default 20): every
 * satellite streams quiet audio without waking; prints frames/s the hub received, p50/p99 frame
 * lag (the hub's jarvis_audio_frame_lag_seconds), drops (sent − received), sequence gaps and the
 * hub's CPU. Goal: 200 satellites with p99 ≤ 20 ms and no drops.
 *
 * Sessions, for each K (BENCH_SPEAKERS, default 4,8,16; BENCH_SESSION_SECONDS each, default 30):
 * K satellites speak synthesized commands back to back, in real time (wake, pre-roll, command),
 * and wait for each session's end; prints completed sessions per second (outcome ok), failures
 * and p50/p95 wake → session-end.
 *
 * Prints a line per run as it finishes, then everything as JSON. Exits non-zero only on a crash.
 */
import { performance } from 'node:perf_hooks';
import {
  HubProcess,
  binPercentile,
  counterDelta,
  histogramQuantile,
  lagMs,
  percentile,
  runFleet,
  utterances,
  warmUp,
} from '../support/sim-fleet.js';

const list = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
const counts = list('BENCH_N', '50,100,200');
const seconds = Number(process.env['BENCH_SECONDS'] ?? 20);
const speakers = list('BENCH_SPEAKERS', '4,8,16');
const sessionSeconds = Number(process.env['BENCH_SESSION_SECONDS'] ?? 30);
/** Simulator processes for n satellites: two past 100, so the senders do not starve. */
const processesFor = (n: number): number =>
  Number(process.env['BENCH_SIM_PROCESSES'] ?? (n > 100 ? 2 : 1));
const GOAL = { satellites: 200, p99Ms: 20 };

const LAG = 'jarvis_audio_frame_lag_seconds';
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

async function transport(hub: HubProcess, n: number): Promise<Record<string, unknown>> {
  let before = new Map<string, number>();
  let cpuBefore = 0;
  let startedAt = 0;
  const sent = await runFleet({
    hub,
    satellites: hub.satellites.slice(0, n),
    utterances: [],
    plan: { durationMs: seconds * 1000, idleStream: true },
    processes: processesFor(n),
    ready: async () => {
      [before, cpuBefore] = await Promise.all([hub.metrics(), hub.cpuSeconds(), hub.loopDelay()]);
      startedAt = performance.now();
    },
  });
  await sleep(500); // frames still in flight
  const [after, cpuAfter, loop] = await Promise.all([
    hub.metrics(),
    hub.cpuSeconds(),
    hub.loopDelay(),
  ]);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const received = counterDelta(before, after, 'jarvis_audio_frames_total');
  const result = {
    satellites: sent.satellites,
    simProcesses: processesFor(n),
    seconds,
    framesSent: sent.framesSent,
    framesReceived: received,
    framesPerS: Math.round(received / seconds),
    drops: sent.framesSent - received,
    gaps: counterDelta(before, after, 'jarvis_audio_frames_missing_total'),
    unsent: sent.framesUnsent,
    disconnects: sent.disconnects,
    lagMs: {
      p50: lagMs(histogramQuantile(before, after, LAG, 0.5)),
      p99: lagMs(histogramQuantile(before, after, LAG, 0.99)),
      p999: lagMs(histogramQuantile(before, after, LAG, 0.999)),
    },
    senderLateMs: {
      p50: binPercentile(sent.sendLateBins, 50),
      p99: binPercentile(sent.sendLateBins, 99),
    },
    hubCpuPercent: Math.round(((cpuAfter - cpuBefore) / elapsedS) * 100),
    hubEventLoopDelayMs: loop,
    hubRssMb: Math.round((await hub.rssKb()) / 1024),
  };
  console.log(
    `transport n=${n}: ${result.framesPerS} frames/s, lag p50 ${result.lagMs.p50} ms p99 ` +
      `${result.lagMs.p99} ms, drops ${result.drops}, gaps ${result.gaps}, hub CPU ` +
      `${result.hubCpuPercent}%, hub loop delay max ${loop.maxMs} ms (sender late p99 ` +
      `${result.senderLateMs.p99} ms)`,
  );
  return result;
}

async function sessions(
  hub: HubProcess,
  k: number,
  spoken: Awaited<ReturnType<typeof utterances>>,
): Promise<Record<string, unknown>> {
  let startedAt = 0;
  const [before] = await Promise.all([hub.metrics(), hub.loopDelay()]);
  const run = await runFleet({
    hub,
    satellites: hub.satellites.slice(0, k),
    utterances: spoken,
    // Back to back: each speaks again right after its session ends; starts spread over 2 s.
    plan: {
      durationMs: sessionSeconds * 1000,
      idleStream: false,
      speak: { firstMs: [0, 2000], gapMs: [0, 100] },
    },
    processes: 1,
    ready: () => void (startedAt = performance.now()),
  });
  const elapsedS = (performance.now() - startedAt) / 1000;
  const [after, loop] = await Promise.all([hub.metrics(), hub.loopDelay()]);
  const ok = run.sessions.ended['ok'] ?? 0;
  const result = {
    speakers: k,
    seconds: Math.round(elapsedS),
    started: run.sessions.started,
    ok,
    sessionsPerS: Math.round((ok / elapsedS) * 100) / 100,
    failures: run.sessions.started - ok,
    outcomes: run.sessions.ended,
    timedOut: run.sessions.timedOut,
    hubEnded: counterDelta(before, after, 'jarvis_sessions_total'),
    disconnects: run.disconnects,
    hubEventLoopDelayMs: loop,
    sessionMs: {
      p50: Math.round(percentile(run.sessionMs, 50)),
      p95: Math.round(percentile(run.sessionMs, 95)),
    },
  };
  console.log(
    `sessions k=${k}: ${result.sessionsPerS} sessions/s ok (${ok}/${result.started}), ` +
      `failures ${result.failures}, wake→end p50 ${result.sessionMs.p50} ms p95 ` +
      `${result.sessionMs.p95} ms, disconnects ${run.disconnects}, hub loop delay max ` +
      `${loop.maxMs} ms`,
  );
  return result;
}

const hub = await HubProcess.start(Math.max(...counts, ...speakers));
try {
  const transportRuns = [];
  for (const n of counts) transportRuns.push(await transport(hub, n));
  const spoken = await utterances();
  const audioS = spoken.reduce((s, u) => s + u.pcm.length / 16000, 0) / spoken.length;
  if (speakers.length > 0) await warmUp(hub, spoken);
  const sessionRuns = [];
  for (const k of speakers) sessionRuns.push(await sessions(hub, k, spoken));
  const atGoal = transportRuns.find((r) => r['satellites'] === GOAL.satellites) as
    { drops: number; gaps: number; lagMs: { p99: number } } | undefined;
  console.log(
    JSON.stringify(
      {
        cpus: (await import('node:os')).cpus().length,
        transport: transportRuns,
        sessions: { utteranceSeconds: Math.round(audioS * 10) / 10, runs: sessionRuns },
        goal: {
          ...GOAL,
          met: atGoal
            ? typeof atGoal.lagMs.p99 === 'number' &&
              atGoal.lagMs.p99 <= GOAL.p99Ms &&
              atGoal.drops === 0 &&
              atGoal.gaps === 0
            : 'not run',
        },
      },
      null,
      2,
    ),
  );
} finally {
  await hub.close();
}
