/**
 * The hub's HTTP API as the provisioning CLI needs it: redeem an enrollment code, fetch and pin
 * the hub's local CA, ask a satellite's status with its own signed token, rotate its key, and
 * (with an admin's login) list and revoke satellites. node:http(s) rather than fetch, so a
 * pinned CA can be given per request.
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { importPKCS8, SignJWT } from 'jose';
import { ProvisionError } from './errors.js';

export interface HubAddress {
  /** http(s)://host:port, for the API. */
  readonly api: string;
  /** ws(s)://host:port, for the satellite's config. */
  readonly ws: string;
  readonly tls: boolean;
}

/** Accepts http(s):// or ws(s):// with a host and optional port, nothing else. */
export function hubAddress(raw: string): HubAddress {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProvisionError(
      'bad-argument',
      `--hub "${raw}" is not a URL (e.g. http://hub.local:8765)`,
    );
  }
  const tls = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) || url.hostname === '')
    throw new ProvisionError(
      'bad-argument',
      `--hub "${raw}" must be an http(s):// or ws(s):// URL`,
    );
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username)
    throw new ProvisionError('bad-argument', `--hub "${raw}" must name only the host and port`);
  const hostPort = url.host;
  return {
    api: `${tls ? 'https' : 'http'}://${hostPort}`,
    ws: `${tls ? 'wss' : 'ws'}://${hostPort}`,
    tls,
  };
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

export class HubClient {
  constructor(
    readonly hub: HubAddress,
    /** The hub's CA (PEM) once pinned; TLS is verified against it. */
    private ca?: string,
  ) {}

  get caPem(): string | undefined {
    return this.ca;
  }

  /**
   * Fetches the hub's local CA and checks it against `pin` (SHA-256 fingerprint, as the hub logs
   * it). Without a pin the CA is trusted on first use and its fingerprint returned for the user
   * to compare; a hub on a public certificate (no local CA) needs no pin.
   */
  async pinCa(
    pin: string | undefined,
  ): Promise<{ fingerprint: string; pinned: boolean } | undefined> {
    if (!this.hub.tls) return undefined;
    // The first request cannot verify a CA it has not fetched yet; the pin is what makes it safe.
    const answer = await this.call('GET', '/v1/tls/ca', {}, { insecure: true });
    if (answer.status === 404) {
      // A hub on a public certificate: system CAs verify it; a pin cannot be honoured.
      if (pin !== undefined)
        throw new ProvisionError(
          'ca-mismatch',
          'the hub has no local CA to check --ca-fingerprint against',
        );
      return undefined;
    }
    if (answer.status !== 200)
      throw new ProvisionError('hub-error', `the hub answered ${answer.status} for its CA`);
    // Exactly one CA certificate: a second one appended would be trusted too, unchecked.
    let cert: X509Certificate;
    try {
      if ((answer.body.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length !== 1) throw new Error();
      cert = new X509Certificate(answer.body);
      if (!cert.ca) throw new Error();
    } catch {
      throw new ProvisionError('hub-error', 'the hub did not send exactly one CA certificate');
    }
    const fingerprint = cert.fingerprint256;
    if (pin !== undefined && normalise(pin) !== normalise(fingerprint))
      throw new ProvisionError(
        'ca-mismatch',
        `the hub's CA fingerprint ${fingerprint} is not the one given (${pin}): someone may be in between`,
      );
    this.ca = cert.toString();
    return { fingerprint, pinned: pin !== undefined };
  }

  /** Redeems a one-time enrollment code for the public key; the hub says the satellite's room. */
  async redeem(body: {
    code: string;
    id: string;
    name?: string | undefined;
    publicKey: string;
  }): Promise<{ id: string; name: string; room: string; hubId: string }> {
    const answer = await this.call('POST', '/v1/satellites/enroll', {
      body: JSON.stringify(body),
    });
    if (answer.status === 201) return JSON.parse(answer.body) as never;
    const { code, message } = errorOf(answer);
    const why: Record<string, [string, string]> = {
      'auth-replayed': ['code-used', 'this enrollment code was already used: make a new one'],
      'auth-expired': ['code-expired', 'this enrollment code has expired: make a new one'],
      'auth-invalid': ['code-wrong', 'the hub does not know this enrollment code (check it)'],
      'rate-limited': ['rate-limited', `too many wrong codes from here: ${message}`],
      conflict: ['id-taken', message],
    };
    const [reason, text] = why[code] ?? ['hub-error', `the hub refused the enrollment: ${message}`];
    throw new ProvisionError(reason, text);
  }

  /** What the hub sees of the satellite, asked with a token its own key signed. */
  async status(
    sat: SatelliteKey,
  ): Promise<{ online: boolean; lastSeen: string | null; room: string; name: string }> {
    const answer = await this.call('GET', `/v1/satellites/${sat.id}/status`, {
      token: await satelliteToken(sat),
    });
    if (answer.status === 200) return JSON.parse(answer.body) as never;
    const { code, message } = errorOf(answer);
    if (code === 'satellite-revoked')
      throw new ProvisionError('revoked', `satellite "${sat.id}" is revoked on the hub`);
    throw new ProvisionError('hub-error', `the hub refused the status request: ${message}`);
  }

  /** Replaces the satellite's key, proven by its current one. */
  async rotateKey(sat: SatelliteKey, publicKey: string): Promise<void> {
    const answer = await this.call('POST', `/v1/satellites/${sat.id}/key`, {
      token: await satelliteToken(sat),
      body: JSON.stringify({ publicKey }),
    });
    if (answer.status !== 204)
      throw new ProvisionError(
        'hub-error',
        `the hub refused the new key: ${errorOf(answer).message}`,
      );
  }

  /** An admin's access token from a username and password. */
  async login(username: string, password: string): Promise<string> {
    const answer = await this.call('POST', '/v1/auth/login', {
      body: JSON.stringify({ username, password }),
    });
    if (answer.status === 200)
      return (JSON.parse(answer.body) as { accessToken: string }).accessToken;
    const { code, message } = errorOf(answer);
    if (code === 'totp-required')
      throw new ProvisionError('login-failed', 'this user has two-factor login: set JARVIS_TOTP');
    throw new ProvisionError('login-failed', `login as ${username} failed: ${message}`);
  }

  async listSatellites(token: string): Promise<
    {
      id: string;
      name: string;
      room: string;
      online: boolean;
      revokedAt: string | null;
      lastSeen: string | null;
    }[]
  > {
    const answer = await this.call('GET', '/v1/satellites', { token });
    if (answer.status !== 200)
      throw new ProvisionError('hub-error', `the hub refused the list: ${errorOf(answer).message}`);
    return (JSON.parse(answer.body) as { satellites: never[] }).satellites;
  }

  async revoke(token: string, id: string): Promise<void> {
    const answer = await this.call('DELETE', `/v1/satellites/${encodeURIComponent(id)}`, { token });
    if (answer.status === 204) return;
    const { code, message } = errorOf(answer);
    throw new ProvisionError(code === 'not-found' ? 'not-found' : 'hub-error', message);
  }

  private call(
    method: string,
    path: string,
    options: { token?: string; body?: string },
    tls: { insecure?: boolean } = {},
  ): Promise<Answer> {
    const url = new URL(path, this.hub.api);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = {};
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers,
          timeout: 10_000,
          ...(url.protocol === 'https:'
            ? tls.insecure
              ? { rejectUnauthorized: false }
              : this.ca
                ? { ca: this.ca }
                : {}
            : {}),
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          new ProvisionError(
            TLS_ERRORS.has(err.code ?? '') || err.code?.startsWith('ERR_TLS')
              ? 'tls-failed'
              : 'hub-unreachable',
            `cannot reach the hub at ${this.hub.api}: ${err.code ?? err.message}`,
          ),
        ),
      );
      req.end(options.body);
    });
  }
}

/** What signs the satellite's tokens: its id, the hub's id (audience) and its private key. */
export interface SatelliteKey {
  readonly id: string;
  readonly hubId: string;
  readonly privateKeyPem: string;
}

/** A one-minute token, signed as the satellite signs its own (EdDSA, sub = id, aud = hub id). */
export async function satelliteToken(sat: SatelliteKey): Promise<string> {
  const key = await importPKCS8(sat.privateKeyPem, 'EdDSA');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(sat.id)
    .setAudience(sat.hubId)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .setJti(randomUUID())
    .sign(key);
}

/** Certificate verification failures: not a network problem, and not fixed by retrying. */
const TLS_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const normalise = (fp: string): string => fp.replace(/[^0-9a-f]/gi, '').toUpperCase();

function errorOf(answer: Answer): { code: string; message: string } {
  try {
    const body = JSON.parse(answer.body) as { code?: unknown; message?: unknown };
    return {
      code: typeof body.code === 'string' ? body.code : `http-${answer.status}`,
      message: typeof body.message === 'string' ? body.message : `HTTP ${answer.status}`,
    };
  } catch {
    return { code: `http-${answer.status}`, message: `HTTP ${answer.status}` };
  }
}
