/**
 * The K3s manifests and the hub's Dockerfile, checked offline: each overlay renders with
 * `kubectl kustomize`, every object validates against the Kubernetes JSON schemas
 * (kubernetes-models), and every workload keeps the security and scheduling rules of k3s/README.md.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Model classes by apiVersion, each module's exports looked up by kind. */
const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'batch/v1': batch,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
};
/** Kinds kubernetes-models has no schema for (CRDs such as Traefik's), as `apiVersion/kind`. */
const NO_SCHEMA = new Set(['traefik.io/v1alpha1/Middleware', 'traefik.io/v1alpha1/IngressRoute']);

type Obj = Record<string, unknown>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Obj;
  data?: Obj;
  stringData?: Obj;
}
interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Obj & { capabilities?: { drop?: string[] } };
  livenessProbe?: { httpGet?: { path?: string } };
  readinessProbe?: { httpGet?: { path?: string } };
  env?: { name: string; value?: string }[];
  command?: string[];
  args?: string[];
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  securityContext?: Obj & { seccompProfile?: { type?: string } };
  containers: Container[];
  initContainers?: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
  runtimeClassName?: string;
}
interface Workload {
  id: string;
  kind: string;
  long: boolean;
  pod: PodSpec;
}

async function render(overlay: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', join(ROOT, 'k3s/overlays', overlay)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length > 0) throw doc.errors[0]!;
    return doc.toJS() as K8sObject;
  });
}

function id(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** The pod template of each workload; `long` marks the ones that run until stopped. */
function workloads(objects: K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    const spec = o.spec as
      | { template?: { spec: PodSpec }; jobTemplate?: { spec: { template: { spec: PodSpec } } } }
      | undefined;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) && spec?.template)
      out.push({ id: id(o), kind: o.kind, long: o.kind !== 'Job', pod: spec.template.spec });
    if (o.kind === 'CronJob' && spec?.jobTemplate)
      out.push({ id: id(o), kind: o.kind, long: false, pod: spec.jobTemplate.spec.template.spec });
  }
  return out;
}

/** Every broken rule of one pod template, as readable sentences. */
function podProblems(w: Workload): string[] {
  const p: string[] = [];
  const pod = w.pod;
  const podSc = pod.securityContext ?? {};
  if (pod.automountServiceAccountToken !== false)
    p.push(`${w.id}: automountServiceAccountToken is not false`);
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const at = `${w.id} container ${c.name}`;
    const sc = c.securityContext ?? {};
    const pick = (key: string): unknown => sc[key] ?? podSc[key];
    if (pick('runAsNonRoot') !== true) p.push(`${at}: runAsNonRoot is not true`);
    const uid = pick('runAsUser');
    if (typeof uid !== 'number' || uid <= 0) p.push(`${at}: no non-root runAsUser`);
    const seccomp = (pick('seccompProfile') as { type?: string } | undefined)?.type;
    if (seccomp !== 'RuntimeDefault') p.push(`${at}: seccompProfile is not RuntimeDefault`);
    if (sc['allowPrivilegeEscalation'] !== false)
      p.push(`${at}: allowPrivilegeEscalation is not false`);
    if (sc['readOnlyRootFilesystem'] !== true) p.push(`${at}: root filesystem is writable`);
    if (!sc.capabilities?.drop?.includes('ALL')) p.push(`${at}: capabilities do not drop ALL`);
    for (const kind of ['requests', 'limits'] as const)
      for (const r of ['cpu', 'memory'])
        if (c.resources?.[kind]?.[r] === undefined) p.push(`${at}: no ${r} in resources.${kind}`);
    const image = c.image ?? '';
    const tag = /^[^@]+:([^:/@]+)$/.exec(image)?.[1];
    if (!image.includes('@sha256:') && (tag === undefined || tag === 'latest'))
      p.push(`${at}: image "${image}" is not pinned to a tag`);
    if (w.long && !pod.initContainers?.includes(c) && !(c.livenessProbe && c.readinessProbe))
      p.push(`${at}: no liveness and readiness probes`);
  }
  return p;
}

function gpuContainers(w: Workload): Container[] {
  return w.pod.containers.filter((c) => c.resources?.limits?.['nvidia.com/gpu'] !== undefined);
}

function gpuProblems(w: Workload): string[] {
  const p: string[] = [];
  if (w.pod.runtimeClassName !== 'nvidia') p.push(`${w.id}: runtimeClassName is not nvidia`);
  if (w.pod.nodeSelector?.['nvidia.com/gpu.present'] !== 'true')
    p.push(`${w.id}: no nodeSelector for the GPU node`);
  if (!w.pod.tolerations?.some((t) => t.key === 'nvidia.com/gpu'))
    p.push(`${w.id}: no toleration for nvidia.com/gpu`);
  return p;
}

const OVERLAYS = [
  { name: 'single-node', hubReplicas: 1, gpuWorkloads: [] as string[] },
  { name: 'gpu', hubReplicas: 1, gpuWorkloads: ['Deployment/ollama', 'Deployment/whisper'] },
];

describe.each(OVERLAYS)('k3s overlay $name', ({ name, hubReplicas, gpuWorkloads }) => {
  let objects: K8sObject[] = [];
  beforeAll(async () => {
    objects = await render(name);
  });

  it('renders with kubectl kustomize into the jarvis namespace', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects)
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, id(o)).toBe('jarvis');
  });

  it('validates every object against the Kubernetes schemas', () => {
    const problems: string[] = [];
    for (const o of objects) {
      const Model = MODELS[o.apiVersion]?.[o.kind] as (new (data: unknown) => Obj) | undefined;
      if (!Model) {
        if (!NO_SCHEMA.has(`${o.apiVersion}/${o.kind}`))
          problems.push(`${id(o)}: no schema for ${o.apiVersion} (add it or to NO_SCHEMA)`);
        continue;
      }
      try {
        (new Model(o) as { validate(): void }).validate();
      } catch (err) {
        problems.push(`${id(o)}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs every container non-root, read-only, without capabilities, with limits and pinned images', () => {
    const all = workloads(objects);
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.flatMap(podProblems)).toEqual([]);
  });

  it('probes the hub on /health and /ready and runs the expected replicas', () => {
    const hub = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'hub');
    expect(hub?.spec?.['replicas']).toBe(hubReplicas);
    const c = workloads([hub!])[0]!.pod.containers.find((x) => x.name === 'hub')!;
    expect(c.livenessProbe?.httpGet?.path).toBe('/health');
    expect(c.readinessProbe?.httpGet?.path).toBe('/ready');
    const env = new Map(c.env?.map((e) => [e.name, e.value]));
    expect(env.get('NODE_ENV')).toBe('production');
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'hub')).toBe(
      true,
    );
  });

  it('defines every $(VAR) an env value or argument uses earlier in the same container', () => {
    const problems: string[] = [];
    for (const w of workloads(objects))
      for (const c of [...w.pod.containers, ...(w.pod.initContainers ?? [])]) {
        const seen = new Set<string>();
        // Kubernetes leaves a reference to a later or unknown variable unexpanded.
        const check = (text: string, where: string): void => {
          for (const [, ref] of text.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
            if (!seen.has(ref!)) problems.push(`${w.id} ${c.name} ${where}: $(${ref}) undefined`);
        };
        for (const e of c.env ?? []) {
          check(e.value ?? '', e.name);
          seen.add(e.name);
        }
        for (const a of [...(c.command ?? []), ...(c.args ?? [])]) check(a, 'args');
      }
    expect(problems).toEqual([]);
  });

  it('holds no Secret objects and references only jarvis-secrets', () => {
    expect(objects.filter((o) => o.kind === 'Secret').map(id)).toEqual([]);
    const names = [...JSON.stringify(objects).matchAll(/"secretKeyRef":\{[^}]*"name":"([^"]+)"/g)];
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names.map((m) => m[1]))).toEqual(new Set(['jarvis-secrets']));
  });

  it('denies all ingress and egress by default', () => {
    const deny = objects.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        JSON.stringify(o.spec?.['podSelector']) === '{}' &&
        o.spec?.['ingress'] === undefined &&
        o.spec?.['egress'] === undefined,
    );
    expect(deny?.spec?.['policyTypes']).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
  });

  it('puts GPU workloads on the GPU node with the nvidia runtime', () => {
    const withGpu = workloads(objects).filter((w) => gpuContainers(w).length > 0);
    expect(withGpu.map((w) => w.id).sort()).toEqual([...gpuWorkloads].sort());
    expect(withGpu.flatMap(gpuProblems)).toEqual([]);
  });
});

describe('k3s manifests in the repository', () => {
  it('keep no Secret with data in any file', async () => {
    const files = (await readdir(join(ROOT, 'k3s'), { recursive: true })).filter((f) =>
      /\.ya?ml$/.test(f),
    );
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      for (const doc of parseAllDocuments(await readFile(join(ROOT, 'k3s', f), 'utf8'))) {
        const o = doc.toJS() as Partial<K8sObject> | null;
        if (o?.kind === 'Secret') expect(o.data ?? o.stringData, f).toBeUndefined();
      }
    }
  });
});

describe('hub Dockerfile', () => {
  const stages: { from: string; lines: string[] }[] = [];
  beforeAll(async () => {
    const text = (await readFile(join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
    for (const line of text.split('\n').map((l) => l.trim())) {
      if (line === '' || line.startsWith('#')) continue;
      if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
      else stages.at(-1)?.lines.push(line);
    }
  });

  it('builds in one stage and runs from a slim one, with pinned base images', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.from).toMatch(/^FROM node:20-bookworm(-slim)? AS \w+$/i);
    expect(stages.at(-1)!.from).toMatch(/node:20-bookworm-slim/);
  });

  it('runs the hub as a non-root user', () => {
    const users = stages.at(-1)!.lines.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
    expect(stages.at(-1)!.lines.some((l) => l.includes('hub/dist/cli/main.js'))).toBe(true);
  });

  it('bakes no secret into ENV or ARG', () => {
    const problems = stages
      .flatMap((s) => s.lines)
      .filter((l) => /^(ENV|ARG)\s/i.test(l))
      .flatMap((l) => [...l.matchAll(/([A-Z0-9_]+)=(\S+)/g)])
      .filter(([, name]) => /PASSWORD|SECRET|TOKEN|API_KEY|DATA_KEY|DATABASE_URL/.test(name!))
      .map(([pair]) => pair);
    expect(problems).toEqual([]);
  });

  it('keeps local data and env files out of the build context', async () => {
    const ignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['.git', '**/node_modules', '.data', '**/.env']));
  });
});
