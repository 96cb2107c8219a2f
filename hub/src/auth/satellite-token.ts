import { decodeJwt, errors as joseErrors, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import { AppError } from '../errors.js';
import type { SatelliteRecord } from '../storage/satellites.js';

/** Longest lifetime a satellite token may claim (exp - iat), per the identity design. */
export const MAX_TOKEN_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 30;

export interface SatelliteTokenVerifierOptions {
  /** Expected `aud`: this hub's id. */
  readonly audience: string;
  readonly lookup: (id: string) => Promise<SatelliteRecord | undefined>;
  readonly now?: () => number;
}

/**
 * Verifies the short-lived EdDSA JWT a satellite signs with its own key:
 * `sub` names the satellite, `aud` is this hub, `exp - iat` ≤ 5 min, and each `jti` is accepted once.
 */
export class SatelliteTokenVerifier {
  /** jti → expiry (s); kept until expiry, after which the token is refused as expired anyway. */
  private readonly seen = new Map<string, number>();
  private readonly keys = new Map<string, { pem: string; key: CryptoKey }>();
  /** The last record read for each enrolled id: what a database outage falls back to. */
  private readonly lastRead = new Map<string, SatelliteRecord>();
  private readonly now: () => number;

  constructor(private readonly options: SatelliteTokenVerifierOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Returns the enrolled satellite, or throws an AppError saying why not. */
  async verify(token: string | undefined): Promise<SatelliteRecord> {
    if (!token) throw new AppError('auth-missing', 'missing bearer token');
    let subject: string | undefined;
    try {
      subject = decodeJwt(token).sub;
    } catch {
      throw new AppError('auth-invalid', 'malformed token');
    }
    if (!subject) throw new AppError('auth-invalid', 'token has no subject');
    // An unknown id reads like a bad signature, and only the key's holder hears "revoked":
    // nobody can list which satellites exist by trying names.
    const satellite = await this.find(subject);
    if (!satellite) throw new AppError('auth-invalid', 'token signature or claims invalid');

    const nowS = Math.floor(this.now() / 1000);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.keyFor(satellite), {
        algorithms: ['EdDSA'],
        audience: this.options.audience,
        subject,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(nowS * 1000),
        requiredClaims: ['exp', 'iat', 'jti'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AppError('auth-expired', 'token expired');
      throw new AppError('auth-invalid', 'token signature or claims invalid');
    }
    if (satellite.revokedAt)
      throw new AppError('satellite-revoked', `satellite "${subject}" is revoked`);
    const { exp = 0, iat = 0, jti = '' } = payload;
    if (exp - iat > MAX_TOKEN_LIFETIME_S) {
      throw new AppError('auth-invalid', `token lifetime exceeds ${MAX_TOKEN_LIFETIME_S} s`);
    }
    if (iat > nowS + CLOCK_TOLERANCE_S)
      throw new AppError('auth-invalid', 'token issued in the future');
    this.prune(nowS);
    const key = `${subject}:${jti}`;
    if (this.seen.has(key)) throw new AppError('auth-replayed', 'token already used');
    this.seen.set(key, exp + CLOCK_TOLERANCE_S);
    return satellite;
  }

  /**
   * The enrolled record; when the database fails (not when it says "unknown"), the last one
   * read, so satellites reconnecting during an outage get back in. A cached revocation still
   * refuses, and a revocation made during the outage applies once the database answers.
   */
  private async find(id: string): Promise<SatelliteRecord | undefined> {
    try {
      const record = await this.options.lookup(id);
      if (record) this.lastRead.set(id, record);
      else this.lastRead.delete(id);
      return record;
    } catch (err) {
      const cached = this.lastRead.get(id);
      if (cached) return cached;
      throw new AppError('storage-failed', 'cannot check the satellite now', true, { cause: err });
    }
  }

  private async keyFor(satellite: SatelliteRecord): Promise<CryptoKey> {
    const cached = this.keys.get(satellite.id);
    if (cached?.pem === satellite.publicKey) return cached.key;
    let key: CryptoKey;
    try {
      key = await importSPKI(satellite.publicKey, 'EdDSA');
    } catch {
      throw new AppError('auth-invalid', `enrolled key of "${satellite.id}" is unusable`);
    }
    this.keys.set(satellite.id, { pem: satellite.publicKey, key });
    return key;
  }

  private prune(nowS: number): void {
    for (const [jti, until] of this.seen) if (until < nowS) this.seen.delete(jti);
  }
}
