import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';

/** Lifetime of each connection token: short, so a stolen one is soon useless. */
export const TOKEN_LIFETIME_S = 120;

/** Signs the short-lived EdDSA JWT the hub verifies against this satellite's enrolled public key. */
export class TokenSigner {
  private constructor(
    private readonly key: CryptoKey,
    private readonly satelliteId: string,
    private readonly audience: string,
  ) {}

  static async fromPem(
    pkcs8Pem: string,
    satelliteId: string,
    audience: string,
  ): Promise<TokenSigner> {
    return new TokenSigner(await importPKCS8(pkcs8Pem, 'EdDSA'), satelliteId, audience);
  }

  async sign(nowMs = Date.now()): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setSubject(this.satelliteId)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_LIFETIME_S)
      .setJti(randomUUID())
      .sign(this.key);
  }
}
