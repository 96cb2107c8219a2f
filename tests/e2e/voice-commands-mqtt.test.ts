/**
 * Issue 10's must-show: the skeleton's spoken-command tests, unchanged, with the satellite on
 * MQTT (the hub's embedded aedes broker). `JARVIS_TEST_BROKER=mosquitto` runs them on Mosquitto.
 */
import { afterAll, vi } from 'vitest';

vi.stubEnv('JARVIS_TEST_LINK', 'mqtt');
afterAll(() => {
  vi.unstubAllEnvs();
});
await import('./voice-commands.test.js');
