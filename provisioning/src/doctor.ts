/**
 * `doctor --ssh pi@host`: what a person would check on a satellite that does not answer — is it
 * installed and running, does the microphone hear anything (level over 3 s), does the wake word
 * engine on the Pi itself hear a recorded "hey jarvis", and how long a round trip to the hub
 * takes from there. Every check runs; the command fails if one did.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SATELLITE_MAIN, TARGET } from './bundle.js';
import type { Reporter } from './report.js';
import { shellQuote, type SshSession } from './ssh.js';

const CLIP = fileURLToPath(new URL('../assets/hey-jarvis.wav', import.meta.url));
const APP = `$HOME/${TARGET.app}/current`;
const CONFIG = `$HOME/${TARGET.config}/satellite.json`;

/** Below this level (dBFS RMS) over 3 s the microphone is muted, unplugged or far too quiet. */
const SILENT_DBFS = -70;

/** On the Pi: the satellite's own wake engine over the clip on stdin; prints the detection. */
const WAKE_TEST = `
const { pathToFileURL } = require('url');
const fs = require('fs');
(async () => {
  const app = process.argv[1];
  const sat = await import(pathToFileURL(app + '/node_modules/@jarvis/satellite/dist/index.js').href);
  const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const tmp = require('os').tmpdir() + '/jarvis-doctor-' + process.pid + '.wav';
  fs.writeFileSync(tmp, fs.readFileSync(0));
  const wake = await sat.createOpenWakeWord({ threshold: (config.wake && config.wake.threshold) || 0.3 });
  let found = null;
  try {
    for await (const d of wake.detect(sat.wavFileSource(tmp, { realtime: false, tailSilenceMs: 500 }), new AbortController().signal)) { found = d; break; }
  } finally { fs.unlinkSync(tmp); await wake.close(); }
  console.log(JSON.stringify(found));
})().catch((e) => { console.error(e.message); process.exit(1); });`;

/** On the Pi: five GETs of the hub's /health; prints the round trips in ms. */
const LATENCY_TEST = `
const config = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
const dir = require('path').dirname(process.argv[1]);
const url = new URL('/health', config.hubUrl.replace(/^ws/, 'http'));
const ca = config.caFile ? require('fs').readFileSync(require('path').resolve(dir, config.caFile)) : undefined;
const get = url.protocol === 'https:' ? require('https').get : require('http').get;
const once = () => new Promise((ok, fail) => {
  const t = process.hrtime.bigint();
  get(url, { timeout: 5000, ca }, (res) => { res.resume(); res.on('end', () => ok(Number(process.hrtime.bigint() - t) / 1e6)); }).on('error', fail).on('timeout', () => fail(new Error('timeout')));
});
(async () => { const ms = []; for (let i = 0; i < 5; i++) ms.push(await once()); console.log(JSON.stringify(ms)); })()
  .catch((e) => { console.error(e.code || e.message); process.exit(1); });`;

/** On the Pi: 3 s from the default capture device; prints the RMS and peak in dBFS. */
const LEVEL_TEST = `arecord -q -d 3 -f S16_LE -r 16000 -c 1 -t raw | node -e "
const b = require('fs').readFileSync(0); let sum = 0, peak = 0; const n = b.length >> 1;
for (let i = 0; i < n; i++) { const s = b.readInt16LE(i * 2); sum += s * s; peak = Math.max(peak, Math.abs(s)); }
const db = (v) => v > 0 ? 20 * Math.log10(v / 32768) : -120;
console.log(JSON.stringify({ samples: n, rmsDb: db(Math.sqrt(sum / Math.max(1, n))), peakDb: db(peak) }));"`;

export async function doctor(ssh: SshSession, report: Reporter): Promise<{ healthy: boolean }> {
  await ssh.check();
  report.step('connect', 'ok', `SSH to ${ssh.target.user}@${ssh.target.host} works`);
  let healthy = true;
  const fail = (step: string, detail: string) => {
    healthy = false;
    report.step(step, 'failed', detail);
  };

  const installed = await ssh.run(
    `test -f "${APP}/${SATELLITE_MAIN}" && test -f "${CONFIG}" && cat "${APP}/RELEASE"`,
  );
  if (installed.code !== 0) {
    fail('installed', 'no satellite installed here: run jarvis-provision install first');
    return { healthy };
  }
  report.step('installed', 'ok', `release ${installed.stdout.trim()}`);

  const running = await ssh.run(
    `systemctl --user is-active jarvis-satellite 2>/dev/null || kill -0 "$(cat "$HOME/${TARGET.state}/satellite.pid" 2>/dev/null)" 2>/dev/null`,
  );
  if (running.code === 0) report.step('running', 'ok', 'the satellite process is up');
  else fail('running', 'the satellite is not running: jarvis-provision install starts it again');

  const mics = await ssh.run(`arecord -l 2>/dev/null | grep -c '^card ' || true`);
  if (Number(mics.stdout.trim()) === 0) {
    fail('microphone', 'no capture device: `arecord -l` lists none (see ALSA.md in the bundle)');
  } else {
    const level = await ssh.run(LEVEL_TEST, { timeoutMs: 15_000 });
    const m =
      level.code === 0
        ? (JSON.parse(level.stdout) as { rmsDb: number; peakDb: number; samples: number })
        : undefined;
    if (!m || m.samples === 0)
      fail(
        'microphone',
        `recording failed: ${level.stderr.trim() || 'no audio (the running satellite may hold the microphone)'}`,
      );
    else if (m.rmsDb < SILENT_DBFS)
      fail(
        'microphone',
        `silent (${m.rmsDb.toFixed(0)} dBFS over 3 s): muted, or the wrong card? see alsamixer`,
      );
    else
      report.step(
        'microphone',
        'ok',
        `level ${m.rmsDb.toFixed(0)} dBFS RMS, peak ${m.peakDb.toFixed(0)} dBFS over 3 s`,
      );
  }

  const wake = await ssh.run(`node -e ${shellQuote(WAKE_TEST)} "${APP}" "${CONFIG}"`, {
    stdin: await readFile(CLIP),
    timeoutMs: 60_000,
  });
  const detection =
    wake.code === 0
      ? (JSON.parse(wake.stdout.trim() || 'null') as { name: string; score: number } | null)
      : undefined;
  if (detection)
    report.step(
      'wake word',
      'ok',
      `heard "${detection.name}" in the test clip (score ${detection.score.toFixed(2)})`,
    );
  else if (detection === null)
    fail('wake word', 'the engine on the Pi did not hear "hey jarvis" in the test clip');
  else fail('wake word', `the wake word engine did not run: ${wake.stderr.trim().slice(-300)}`);

  const latency = await ssh.run(`node -e ${shellQuote(LATENCY_TEST)} "${CONFIG}"`, {
    timeoutMs: 40_000,
  });
  if (latency.code !== 0) fail('hub link', `the Pi cannot reach the hub: ${latency.stderr.trim()}`);
  else {
    const ms = (JSON.parse(latency.stdout) as number[]).sort((a, b) => a - b);
    report.step(
      'hub link',
      'ok',
      `round trip to the hub ${ms[2]!.toFixed(1)} ms median (${ms[0]!.toFixed(1)}–${ms[4]!.toFixed(1)})`,
    );
  }
  return { healthy };
}
