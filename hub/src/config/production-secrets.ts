/**
 * Production mode (NODE_ENV=production) refuses to start on a weak secret: each is named, so
 * the operator knows what to fix. (The auth secret is checked where it is read.)
 */
import { AppError } from '../errors.js';
import type { HubConfig } from './config.js';

/** Below this, a password in a URL or for the broker is guessable offline. */
export const MIN_SERVICE_PASSWORD_CHARS = 12;

/** The weak secrets in `config`, each as a sentence; empty when all are fine. */
export function weakSecrets(config: HubConfig): string[] {
  const problems: string[] = [];
  const weak = (pw: string | undefined) => (pw ?? '').length < MIN_SERVICE_PASSWORD_CHARS;
  if (config.mqtt.url && weak(config.mqtt.password))
    problems.push(
      `the external MQTT broker's password (JARVIS_MQTT_PASSWORD) needs at least ${MIN_SERVICE_PASSWORD_CHARS} characters`,
    );
  for (const [name, url, envName] of [
    ['PostgreSQL', config.databaseUrl, 'DATABASE_URL'],
    ['Redis', config.rateLimit.redisUrl, 'JARVIS_REDIS_URL'],
    ['cluster Redis', config.cluster.redisUrl, 'JARVIS_CLUSTER_REDIS_URL'],
  ] as const) {
    if (!url) continue;
    let password = '';
    try {
      password = decodeURIComponent(new URL(url).password);
    } catch {
      // The schema has checked the scheme; an unparsable URL fails at connect with its own error.
    }
    if (weak(password))
      problems.push(
        `the ${name} password in ${envName} is missing or shorter than ${MIN_SERVICE_PASSWORD_CHARS} characters`,
      );
  }
  return problems;
}

/** @throws AppError('config-invalid') naming every weak secret, in production mode only. */
export function refuseWeakSecrets(config: HubConfig, env: NodeJS.ProcessEnv): void {
  if (env['NODE_ENV'] !== 'production') return;
  const problems = weakSecrets(config);
  if (problems.length > 0)
    throw new AppError('config-invalid', `production mode: ${problems.join('; ')}`);
}
