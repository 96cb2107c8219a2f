import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './config.js';

describe('hub config', () => {
  it('fills-defaults-and-freezes', () => {
    const c = parseConfig({});
    expect(c.port).toBe(8765);
    expect(c.mqtt.users).toEqual([]);
    expect(c.vad).toEqual({
      silenceMs: 700,
      commandSilenceMs: 250,
      adaptive: true,
      threshold: 0.5,
    });
    expect(c.stt).toMatchObject({ engine: 'pocketsphinx', fallback: true });
    expect(c.tts).toMatchObject({ engine: 'espeak', voice: 'en-us' });
    expect(c.wyoming.port).toBeUndefined();
    expect(Object.isFrozen(c.mqtt)).toBe(true);
  });

  it('reports-every-problem-together', () => {
    let message = '';
    try {
      parseConfig({
        port: 70000,
        logLevel: 'loud',
        devices: [{ id: 'Bad Id', name: '', room: 'k', commandTopic: 'a/#' }],
        extra: 1,
      });
    } catch (err) {
      message = (err as Error).message;
      expect(err).toMatchObject({ code: 'config-invalid' });
    }
    for (const path of [
      '/port',
      '/logLevel',
      '/devices/0/id',
      '/devices/0/name',
      '/devices/0/commandTopic',
      'extra',
    ]) {
      expect(message).toContain(path);
    }
  });

  it('refuses-duplicate-device-ids-and-external-brokers-without-credentials', () => {
    const d = { id: 'a', name: 'lamp', room: 'hall', commandTopic: 'x' };
    expect(() => parseConfig({ devices: [d, d] })).toThrow(/duplicate device id "a"/);
    expect(() => parseConfig({ mqtt: { url: 'mqtt://127.0.0.1:1883' } })).toThrow(
      /username and password/,
    );
  });

  it('takes-french-only-with-a-remote-recogniser-and-no-english-fallback', () => {
    expect(parseConfig({}).language).toBe('en');
    expect(() => parseConfig({ language: 'fr' })).toThrow(/\/language: "fr" needs a remote/);
    const remote = { engine: 'wyoming', url: 'tcp://gpu:10300' };
    expect(() => parseConfig({ language: 'fr', stt: remote })).toThrow(/stt.fallback false/);
    expect(parseConfig({ language: 'fr', stt: { ...remote, fallback: false } }).language).toBe(
      'fr',
    );
    expect(() => parseConfig({ language: 'de' })).toThrow(/\/language/);
    expect(() => parseConfig({ intents: { templatesDir: '' } })).toThrow(/\/intents\/templatesDir/);
  });

  it('checks-remote-engine-settings-together', () => {
    let message = '';
    try {
      parseConfig({
        stt: { engine: 'wyoming', url: 'http://gpu:10300' },
        tts: { engine: 'openai' },
        vad: { silenceMs: 300, commandSilenceMs: 500 },
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      '/stt/url: the wyoming engine needs a tcp:// URL, not http://gpu:10300',
    );
    expect(message).toContain('/tts/url: the openai engine needs a http(s):// URL');
    expect(message).toContain('/tts/model: the openai engine needs a model name');
    expect(message).toContain('/vad/commandSilenceMs: must not exceed /vad/silenceMs');
  });

  it('takes-remote-engines-from-the-environment', async () => {
    const c = await loadConfig({
      env: {
        JARVIS_STT_ENGINE: 'wyoming',
        JARVIS_STT_URL: 'tcp://gpu.local:10300',
        JARVIS_TTS_ENGINE: 'openai',
        JARVIS_TTS_URL: 'http://gpu.local:8000',
        JARVIS_TTS_MODEL: 'piper',
        JARVIS_TTS_VOICE: 'en_US-lessac-medium',
        JARVIS_WYOMING_PORT: '10300',
      },
    });
    expect(c.stt).toMatchObject({ engine: 'wyoming', url: 'tcp://gpu.local:10300', retries: 1 });
    expect(c.tts).toMatchObject({
      engine: 'openai',
      url: 'http://gpu.local:8000',
      model: 'piper',
      remoteVoice: 'en_US-lessac-medium',
    });
    expect(c.wyoming.port).toBe(10300);
  });

  it('picks-memory-engines-and-checks-what-each-needs', async () => {
    expect(parseConfig({}).memory).toMatchObject({
      embeddings: { engine: 'use' },
      store: { engine: 'pgvector', collection: 'jarvis_memory' },
    });
    let message = '';
    try {
      parseConfig({
        memory: {
          embeddings: { engine: 'ollama', url: 'http://gpu:11434' },
          store: { engine: 'qdrant' },
        },
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      '/memory/embeddings: the ollama engine needs url, model and dimensions',
    );
    expect(message).toContain('/memory/store/url: the qdrant store needs a URL');
    expect(() => parseConfig({ memory: { store: { collection: '../x' } } })).toThrow(
      /\/memory\/store\/collection/,
    );
    const c = await loadConfig({
      env: {
        JARVIS_EMBEDDINGS_ENGINE: 'ollama',
        JARVIS_EMBEDDINGS_URL: 'http://gpu:11434',
        JARVIS_EMBEDDINGS_MODEL: 'nomic-embed-text',
        JARVIS_EMBEDDINGS_DIMENSIONS: '768',
        JARVIS_MEMORY_STORE: 'qdrant',
        JARVIS_QDRANT_URL: 'http://qdrant:6333',
      },
    });
    expect(c.memory).toMatchObject({
      embeddings: { engine: 'ollama', model: 'nomic-embed-text', dimensions: 768 },
      store: { engine: 'qdrant', url: 'http://qdrant:6333' },
    });
  });

  it('takes-tls-files-or-a-local-ca-not-both', () => {
    expect(parseConfig({}).tls).toMatchObject({
      generate: false,
      hostnames: ['localhost', '127.0.0.1'],
    });
    expect(() => parseConfig({ tls: { certFile: '/c.pem' } })).toThrow(
      /certFile and keyFile go together/,
    );
    expect(() =>
      parseConfig({ tls: { certFile: '/c.pem', keyFile: '/k.pem', generate: true } }),
    ).toThrow(/either certFile\/keyFile or generate/);
    expect(() => parseConfig({ tls: { generate: true, hostnames: ['bad host'] } })).toThrow(
      /\/tls\/hostnames/,
    );
  });

  it('layers-file-then-environment-then-overrides', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-cfg-'));
    const file = join(dir, 'hub.json');
    await writeFile(file, JSON.stringify({ port: 1234, hubId: 'from-file', logLevel: 'warn' }));
    const c = await loadConfig({
      file,
      env: { JARVIS_PORT: '4321', JARVIS_LOG_LEVEL: 'debug' },
      overrides: { logLevel: 'silent' },
    });
    expect(c).toMatchObject({ port: 4321, hubId: 'from-file', logLevel: 'silent' });
  });

  it('names-a-bad-file-clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jarvis-cfg-'));
    const file = join(dir, 'hub.json');
    await writeFile(file, '{ not json');
    await expect(loadConfig({ file, env: {} })).rejects.toThrow(/not valid JSON/);
    await expect(loadConfig({ file: join(dir, 'missing.json'), env: {} })).rejects.toThrow(
      /cannot read config file/,
    );
    await expect(loadConfig({ env: { JARVIS_PORT: 'eighty' } })).rejects.toThrow(/\/port/);
  });
});
