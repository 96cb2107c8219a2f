/**
 * TEST DOUBLE — this is not Qdrant. A small in-memory HTTP server that speaks the slice of
 * Qdrant's REST API (v1.x) that `@qdrant/js-client-rest` 1.18 calls for the hub's memory store,
 * so the Qdrant adapter can be tested where no Qdrant server can run:
 *
 *   GET    /                                   version info (the client's compatibility check)
 *   GET    /collections/{name}/exists          client.collectionExists
 *   GET    /collections/{name}                 client.getCollection
 *   PUT    /collections/{name}                 client.createCollection ({vectors: {size, distance}})
 *   DELETE /collections/{name}                 client.deleteCollection
 *   PUT    /collections/{name}/points          client.upsert ({points: [{id, vector, payload}]})
 *   POST   /collections/{name}/points/delete   client.delete ({points: [ids]})
 *   POST   /collections/{name}/points/query    client.query ({query: vector, limit, score_threshold, with_payload})
 *   POST   /collections/{name}/points/search   client.search ({vector, limit, score_threshold, with_payload})
 *
 * Answers use Qdrant's envelope, `{result, status: "ok", time}`, and its error shape,
 * `{status: {error}, time}`. Only single unnamed vectors, Cosine/Dot/Euclid scoring by brute
 * force, no filters, no named vectors, no sharding — anything else answers 400.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Distance = 'Cosine' | 'Dot' | 'Euclid';
type PointId = string | number;

interface StoredPoint {
  readonly id: PointId;
  readonly vector: number[];
  readonly payload: Record<string, unknown>;
  readonly version: number;
}

export interface TestCollection {
  readonly size: number;
  readonly distance: Distance;
  readonly points: Map<string, StoredPoint>;
}

export interface QdrantTestServer {
  readonly url: string;
  /** Every request, in order: method and path with query, e.g. `PUT /collections/m/points?wait=true`. */
  readonly requests: string[];
  readonly collections: Map<string, TestCollection>;
  /** The next request is answered with this status and Qdrant-style error instead of being served. */
  failNext(status: number, error: string): void;
  close(): Promise<void>;
}

export interface QdrantTestServerOptions {
  /** When set, requests must carry it in the `api-key` header (as Qdrant's `service.api_key`). */
  readonly apiKey?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startQdrantTestServer(
  options: QdrantTestServerOptions = {},
): Promise<QdrantTestServer> {
  const collections = new Map<string, TestCollection>();
  const requests: string[] = [];
  let failure: { status: number; error: string } | undefined;
  let version = 0;

  const serve = (method: string, path: string, body: unknown): unknown => {
    if (method === 'GET' && path === '/') {
      return { title: 'qdrant test double', version: '1.18.0' };
    }
    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) throw new HttpError(404, `Not found: ${path}`);
    const name = decodeURIComponent(match[1] ?? '');
    const rest = match[2] ?? '';
    const collection = collections.get(name);
    const existing = (): TestCollection => {
      if (!collection) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
      return collection;
    };
    const route = `${method} ${rest}`;
    switch (route) {
      case 'GET /exists':
        return { exists: collection !== undefined };
      case 'GET ':
        return describeCollection(existing());
      case 'PUT ': {
        if (collection) {
          throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
        }
        const vectors = field(body, 'vectors');
        const size = field(vectors, 'size');
        const distance = field(vectors, 'distance');
        if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
          throw new HttpError(400, 'Wrong input: vectors.size must be a positive integer');
        }
        if (distance !== 'Cosine' && distance !== 'Dot' && distance !== 'Euclid') {
          throw new HttpError(400, `Wrong input: unsupported distance ${String(distance)}`);
        }
        collections.set(name, { size, distance, points: new Map() });
        return true;
      }
      case 'DELETE ':
        return collections.delete(name);
      case 'PUT /points': {
        const target = existing();
        const points = field(body, 'points');
        if (!Array.isArray(points)) throw new HttpError(400, 'Wrong input: points must be a list');
        const prepared = points.map((p: unknown) => {
          const id = pointId(field(p, 'id'));
          const vector = numbers(field(p, 'vector'), target.size);
          const payload = field(p, 'payload') ?? {};
          if (typeof payload !== 'object' || Array.isArray(payload)) {
            throw new HttpError(400, 'Wrong input: payload must be an object');
          }
          // Qdrant stores Cosine vectors normalised, so a query scores by dot product.
          const stored = target.distance === 'Cosine' ? normalise(vector) : vector;
          return { id, vector: stored, payload: payload as Record<string, unknown> };
        });
        version++;
        for (const p of prepared) target.points.set(String(p.id), { ...p, version });
        return { operation_id: version, status: 'completed' };
      }
      case 'POST /points/delete': {
        const target = existing();
        const ids = field(body, 'points');
        if (!Array.isArray(ids))
          throw new HttpError(400, 'Wrong input: only point id lists are supported');
        version++;
        for (const id of ids) target.points.delete(String(pointId(id)));
        return { operation_id: version, status: 'completed' };
      }
      case 'POST /points/query': {
        const target = existing();
        const hits = search(target, numbers(field(body, 'query'), target.size), body);
        return { points: hits };
      }
      case 'POST /points/search': {
        const target = existing();
        return search(target, numbers(field(body, 'vector'), target.size), body);
      }
      default:
        throw new HttpError(404, `Not found: ${method} ${path}`);
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const startedAt = performance.now();
      const method = req.method ?? 'GET';
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push(`${method} ${url.pathname}${url.search}`);
      const send = (status: number, body: unknown) => {
        const time = (performance.now() - startedAt) / 1000;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status < 300 ? body : { status: { error: body }, time }));
      };
      const envelope = (result: unknown) => ({
        result,
        status: 'ok',
        time: (performance.now() - startedAt) / 1000,
      });
      if (failure) {
        const { status, error } = failure;
        failure = undefined;
        send(status, error);
        return;
      }
      if (options.apiKey !== undefined && req.headers['api-key'] !== options.apiKey) {
        send(401, 'Invalid api-key');
        return;
      }
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text === '' ? undefined : (JSON.parse(text) as unknown);
        const result = serve(method, url.pathname, body);
        send(200, url.pathname === '/' ? result : envelope(result));
      } catch (err) {
        if (err instanceof HttpError) send(err.status, err.message);
        else send(400, `Format error in JSON body: ${(err as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    collections,
    failNext(status, error) {
      failure = { status, error };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function describeCollection(c: TestCollection): unknown {
  return {
    status: 'green',
    optimizer_status: 'ok',
    points_count: c.points.size,
    indexed_vectors_count: 0,
    segments_count: 1,
    config: {
      params: {
        vectors: { size: c.size, distance: c.distance },
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
      },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10_000 },
      optimizer_config: {},
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
    },
    payload_schema: {},
  };
}

function search(c: TestCollection, query: number[], body: unknown): unknown[] {
  const limit = field(body, 'limit') ?? 10;
  const threshold = field(body, 'score_threshold');
  const withPayload = field(body, 'with_payload') === true;
  if (typeof limit !== 'number' || limit < 1) throw new HttpError(400, 'Wrong input: bad limit');
  const q = c.distance === 'Cosine' ? normalise(query) : query;
  const scored = [...c.points.values()].map((p) => ({ p, score: score(c.distance, q, p.vector) }));
  // Euclid: smaller is better, and the threshold is an upper bound.
  const better = (a: number, b: number) => (c.distance === 'Euclid' ? a - b : b - a);
  return scored
    .filter(
      ({ score: s }) =>
        typeof threshold !== 'number' ||
        (c.distance === 'Euclid' ? s <= threshold : s >= threshold),
    )
    .sort((a, b) => better(a.score, b.score))
    .slice(0, limit)
    .map(({ p, score: s }) => ({
      id: p.id,
      version: p.version,
      score: s,
      payload: withPayload ? p.payload : null,
      vector: null,
    }));
}

function score(distance: Distance, a: number[], b: number[]): number {
  let dot = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    sq += (x - y) ** 2;
  }
  return distance === 'Euclid' ? Math.sqrt(sq) : dot;
}

function normalise(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null
    ? (obj as Record<string, unknown>)[key]
    : undefined;
}

/** Qdrant point ids are unsigned integers or UUIDs; anything else is refused. */
function pointId(id: unknown): PointId {
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  if (typeof id === 'string' && UUID.test(id)) return id.toLowerCase();
  throw new HttpError(
    400,
    `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

function numbers(v: unknown, size: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new HttpError(400, 'Wrong input: vector must be a list of numbers');
  }
  if (v.length !== size) {
    throw new HttpError(
      400,
      `Wrong input: Vector dimension error: expected dim: ${size}, got ${v.length}`,
    );
  }
  return v as number[];
}
