/**
 * npm run bench:soak — does the hub hold steady under a day-like load? 50 simulated satellites
 * (BENCH_N) stream real-time mic audio for BENCH_SOAK_MINUTES (default 10) to a hub on embedded
 * defaults in a child process, and each speaks a synthesized command every 60–180 s (staggered;
 * BENCH_SOAK_GAP_S=min,max to change): about 0.4 spoken sessions a second, 1–2 at once — a house
 * far busier than any real one, within what embedded recognition does on 2 cores (~1/s).
 *
 * Prints the hub's RSS (after a full GC) once warmed up and near the end, with the growth
 * (goal: ≤ 10 %), and the sessions the satellites started against those the hub ended and
 * stored (goal: none lost). Exits non-zero only on a crash.
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

const n = Number(process.env['BENCH_N'] ?? 50);
const minutes = Number(process.env['BENCH_SOAK_MINUTES'] ?? 10);
const durationMs = minutes * 60_000;
/** Seconds between one satellite's commands, drawn from this range. */
const gapS = (process.env['BENCH_SOAK_GAP_S'] ?? '60,180').split(',').map(Number);
const gapMs: [number, number] = [gapS[0]! * 1000, (gapS[1] ?? gapS[0]!) * 1000];
/** RSS is compared from here on: engines and their decoder pools loaded at the steady rate. */
const warmupMs = Math.min(120_000, durationMs / 4);
const GOAL = { rssGrowthPercent: 10, lost: 0 };
const LAG = 'jarvis_audio_frame_lag_seconds';

const hub = await HubProcess.start(n);
try {
  const spoken = await utterances();
  // As many at once as the steady rate brings together at its peak.
  await warmUp(hub, spoken, 4);
  const storedBefore = (await hub.sessions()).stored;
  const [before] = await Promise.all([hub.metrics(), hub.loopDelay()]);
  const rssStartKb = await hub.rssKb();
  const trace: { atS: number; rssMb: number }[] = [];
  let rssWarmKb = NaN;
  let rssEndKb = NaN;
  const timers: NodeJS.Timeout[] = [];
  /** RSS after a full GC in the hub, so garbage waiting for collection does not count. */
  const settledRss = async (): Promise<number> => {
    await hub.gc();
    return hub.rssKb();
  };
  let startedAt = 0;
  const run = await runFleet({
    hub,
    satellites: hub.satellites,
    utterances: spoken,
    plan: {
      durationMs,
      idleStream: true,
      speak: {
        // First words spread over one longest gap: the steady rate from the start.
        firstMs: [5_000, 5_000 + gapMs[1]],
        gapMs,
      },
    },
    processes: 1,
    ready: () => {
      startedAt = performance.now();
      const sample = async (): Promise<number> => {
        const kb = await settledRss();
        trace.push({ atS: Math.round((performance.now() - startedAt) / 1000), rssMb: kb >> 10 });
        return kb;
      };
      timers.push(setTimeout(() => void sample().then((kb) => (rssWarmKb = kb)), warmupMs));
      timers.push(setInterval(() => void sample(), 60_000));
      // Near the end, still under load: comparable with the warm reading.
      timers.push(
        setTimeout(() => void sample().then((kb) => (rssEndKb = kb)), durationMs - 3_000),
      );
    },
  });
  for (const t of timers) clearTimeout(t);
  await new Promise((r) => setTimeout(r, 1000));
  const [after, loop] = await Promise.all([hub.metrics(), hub.loopDelay()]);
  const hubSessions = await hub.sessions();
  const rssAfterKb = await settledRss();
  const s = run.sessions;
  const endedAtSatellites = Object.values(s.ended).reduce((a, b) => a + b, 0) - s.busy;
  const growth = ((rssEndKb - rssWarmKb) / rssWarmKb) * 100;
  const stored = hubSessions.stored - storedBefore;
  const lost = s.started - stored;
  const result = {
    satellites: run.satellites,
    minutes,
    rssMb: {
      start: rssStartKb >> 10,
      warm: rssWarmKb >> 10,
      end: rssEndKb >> 10,
      afterDisconnect: rssAfterKb >> 10,
      growthPercent: Math.round(growth * 10) / 10,
      trace,
    },
    sessions: {
      started: s.started,
      endedAtSatellites,
      timedOut: s.timedOut,
      busy: s.busy,
      outcomes: s.ended,
      hubEnded: counterDelta(before, after, 'jarvis_sessions_total'),
      hubStored: stored,
      lost,
      wakeToEndMs: {
        p50: Math.round(percentile(run.sessionMs, 50)),
        p95: Math.round(percentile(run.sessionMs, 95)),
      },
    },
    transport: {
      framesSent: run.framesSent,
      framesReceived: counterDelta(before, after, 'jarvis_audio_frames_total'),
      gaps: counterDelta(before, after, 'jarvis_audio_frames_missing_total'),
      disconnects: run.disconnects,
      lagMs: {
        p99: lagMs(histogramQuantile(before, after, LAG, 0.99)),
        p999: lagMs(histogramQuantile(before, after, LAG, 0.999)),
      },
      senderLateMs: { p99: binPercentile(run.sendLateBins, 99) },
      hubEventLoopDelayMs: loop,
    },
    goals: {
      rssGrowth: { ...{ max: GOAL.rssGrowthPercent }, met: growth <= GOAL.rssGrowthPercent },
      noneLost: { met: lost === GOAL.lost && s.timedOut === 0 },
    },
  };
  console.log(
    `soak n=${n} ${minutes} min: RSS ${result.rssMb.warm} → ${result.rssMb.end} MB ` +
      `(${result.rssMb.growthPercent}%), sessions started ${s.started}, ended ` +
      `${endedAtSatellites}, stored ${stored}, lost ${lost}; disconnects ${run.disconnects}`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await hub.close();
}
