import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { freePort } from '../support/servers.js';

const root = join(import.meta.dirname, '..', '..');
const monitoring = join(root, 'monitoring');
const prometheusDir = join(monitoring, 'prometheus');
const ruleFiles = ['recording.yml', 'alerts.yml'].map((f) => join(prometheusDir, 'rules', f));
const dashboardsDir = join(monitoring, 'grafana', 'dashboards');

/** Names the rules and dashboards may use that the hub does not export. */
const EXTERNAL_METRICS = new Set([
  'up',
  'ALERTS',
  'node_filesystem_avail_bytes',
  'node_filesystem_size_bytes',
]);

/** PromQL words that read like metric names to the tokenizer below. */
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

interface Run {
  code: number;
  output: string;
}

async function run(cmd: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      output: `${e.stdout ?? ''}${e.stderr ?? e.message}`,
    };
  }
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every panel target's PromQL, Grafana's interval variables set to 5m. */
async function dashboardExprs(): Promise<{ where: string; expr: string }[]> {
  const out: { where: string; expr: string }[] = [];
  for (const file of (await readdir(dashboardsDir)).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(await readFile(join(dashboardsDir, file), 'utf8')) as {
      panels: Panel[];
    };
    const walk = (panels: Panel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr === undefined) continue;
          const expr = target.expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
          out.push({ where: `${file}: ${panel.title ?? '?'}`, expr });
        }
        walk(panel.panels ?? []);
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

/** The `expr` or `record` fields of a rule file; the files keep each on one line. */
async function ruleFields(file: string, field: 'expr' | 'record'): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const values = [...text.matchAll(new RegExp(`^\\s*-?\\s*${field}: (.+)$`, 'gm'))].map((m) =>
    m[1]!.trim(),
  );
  // A block scalar would hide the query from this reader: keep rule files one line per field.
  for (const value of values) expect(value, `${file}: ${field}`).not.toMatch(/^[|>]/);
  return values;
}

/**
 * Metric names in a PromQL expression: identifiers followed by `{`, `[`, `)`, whitespace or the
 * end, once strings, label matchers, ranges and grouping clauses are blanked out.
 */
function metricNames(expr: string): string[] {
  const blanked = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...blanked.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?=[{[)\s]|$)/g)].map(
    (m) => m[1]!,
  );
  return names.filter((n) => !PROMQL_WORDS.has(n));
}

/** Families the hub registers (from `# TYPE`, so labelled series not yet seen count too). */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name!}${suffix}`);
  }
  for (const [, name] of exposition.matchAll(/^([a-zA-Z_:][\w:]*)[{ ]/gm)) names.add(name!);
  return names;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('monitoring config for Prometheus and Grafana', () => {
  it('passes-promtool-config-rules-and-unit-tests', async () => {
    const checks = [
      ['check', 'config', join(prometheusDir, 'prometheus.yml')],
      ['check', 'rules', ...ruleFiles],
      ['test', 'rules', join(prometheusDir, 'tests', 'alerts.test.yml')],
    ];
    for (const args of checks) {
      const { code, output } = await run('promtool', args);
      expect(code, `promtool ${args.join(' ')}\n${output}`).toBe(0);
    }
  });

  it('has-dashboard-queries-that-parse-as-promql', async () => {
    const exprs = await dashboardExprs();
    expect(exprs.length).toBeGreaterThan(10);
    for (const { where, expr } of exprs) expect(expr, where).not.toMatch(/\$/);
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-promql-'));
    try {
      // promtool parses rule files only, so each query becomes a recording rule.
      const rules = exprs.map(
        ({ expr }, i) =>
          `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr)}`,
      );
      const file = join(dir, 'dashboards.yml');
      await writeFile(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
      const { code, output } = await run('promtool', ['check', 'rules', file]);
      expect(code, output).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uses-only-metrics-a-running-hub-exports', async () => {
    const exposition = await (await fetch(`${stack.hub.url()}/metrics`)).text();
    const known = exportedNames(exposition);
    for (const file of ruleFiles)
      for (const name of await ruleFields(file, 'record')) known.add(name);
    const used: { where: string; expr: string }[] = await dashboardExprs();
    for (const file of ruleFiles)
      for (const expr of await ruleFields(file, 'expr')) used.push({ where: file, expr });
    // Every rule's query is read: 5 recording rules and 8 alerts.
    expect(used.filter(({ where }) => ruleFiles.includes(where))).toHaveLength(14);
    const unknown = used.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((n) => !known.has(n) && !EXTERNAL_METRICS.has(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(unknown).toEqual([]);
    // The tokenizer itself: a misspelt name is caught, functions and label names are not names.
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, stage) (rate(jarvis_stage_duraton_seconds_bucket{stage="stt"}[5m]))) > bool up',
      ),
    ).toEqual(['jarvis_stage_duraton_seconds_bucket', 'up']);
  });

  it('scrapes-a-running-hub-with-a-real-prometheus', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-prometheus-'));
    const port = await freePort();
    const hub = new URL(stack.hub.url());
    let prometheus: ChildProcess | undefined;
    let log = '';
    try {
      const config = join(dir, 'prometheus.yml');
      await writeFile(
        config,
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          'scrape_configs:',
          '  - job_name: jarvis-hub',
          `    static_configs: [{ targets: ['${hub.host}'] }]`,
          '',
        ].join('\n'),
      );
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stdout?.on('data', (d: Buffer) => (log += d.toString()));
      prometheus.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      const api = `http://127.0.0.1:${port}/api/v1`;
      const get = async <T>(path: string): Promise<T | undefined> => {
        try {
          return (await (await fetch(`${api}${path}`)).json()) as T;
        } catch {
          return undefined; // not listening yet
        }
      };
      const hubHealth = async () => {
        const targets = await get<{
          data: { activeTargets: { labels: { job: string }; health: string }[] };
        }>('/targets');
        return targets?.data.activeTargets.find((t) => t.labels.job === 'jarvis-hub')?.health;
      };
      // Prometheus's own log goes into the failure message: a bad flag or config shows there.
      await expect
        .poll(async () => ((await hubHealth()) === 'up' ? 'up' : log), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe('up');
      await expect
        .poll(
          async () => {
            const query = await get<{ data: { result: { value: [number, string] }[] } }>(
              '/query?query=jarvis_satellites_online',
            );
            return query?.data.result[0]?.value[1];
          },
          { timeout: 10_000, interval: 250 },
        )
        .toBe('0');
    } finally {
      if (prometheus && prometheus.exitCode === null) {
        const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
        prometheus.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});
