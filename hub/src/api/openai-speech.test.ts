import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, resample, rms, type WavAudio } from '@jarvis/protocol';
import {
  embeddedEngines,
  startSpeechApi,
  type SpeechApi,
} from '../../../tests/support/speech-api.js';
import { speak } from '../../../tests/support/voices.js';
import type { SttEngine, TtsEngine } from '../engines/types.js';
import { MAX_TRANSCRIPTION_BYTES } from './openai-speech.js';

const KEY = 'test-key-0123456789';
const COMMAND = 'hey jarvis, turn on the kitchen light';

interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  json(): unknown;
  text(): string;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', ...init });
  const body = new Uint8Array(await res.arrayBuffer());
  const text = (): string => new TextDecoder().decode(body);
  return {
    status: res.status,
    headers: res.headers,
    body,
    text,
    json: () => JSON.parse(text()) as unknown,
  };
}

function upload(file: Blob | string | undefined, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  if (typeof file === 'string') form.append('file', file);
  else if (file) form.append('file', file, 'speech.wav');
  form.append('model', 'whisper-1');
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

const wavBlob = (audio: WavAudio): Blob => new Blob([encodeWav(audio)], { type: 'audio/wav' });
const bearer = (key = KEY): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** The OpenAI error body, checked for shape. */
function openAiError(a: Answer): { message: string; type: string; code: string } {
  const body = a.json() as { error: { message: string; type: string; code: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
  return body.error;
}

describe('OpenAI-compatible speech routes', () => {
  let stt: SttEngine;
  let tts: TtsEngine;
  let api: SpeechApi;
  let command: WavAudio;
  let transcriptions: string;
  let speech: string;

  beforeAll(async () => {
    ({ stt, tts } = await embeddedEngines());
    api = await startSpeechApi({ stt, tts, apiKeys: ['another-key', KEY] });
    transcriptions = `${api.url}/v1/audio/transcriptions`;
    speech = `${api.url}/v1/audio/speech`;
    command = await speak(COMMAND, 'flite');
  });
  afterAll(async () => {
    await api.close();
    await stt.close();
    await tts.close();
  });

  const say = (body: unknown, key = KEY): Promise<Answer> =>
    call(speech, {
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('transcribes-a-spoken-command-uploaded-as-a-wav', async () => {
    const a = await call(transcriptions, { headers: bearer(), body: upload(wavBlob(command)) });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect((a.json() as { text: string }).text).toContain('turn on the kitchen light');
  });

  it('transcribes-48khz-stereo-and-answers-plain-text-for-response-format-text', async () => {
    const mono48 = resample(command.pcm, 16_000, 48_000);
    const stereo = new Int16Array(mono48.length * 2);
    mono48.forEach((s, i) => {
      stereo[2 * i] = s;
      stereo[2 * i + 1] = s;
    });
    const a = await call(transcriptions, {
      headers: bearer(),
      body: upload(wavBlob({ rate: 48_000, channels: 2, pcm: stereo }), {
        response_format: 'text',
      }),
    });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(a.text()).toContain('turn on the kitchen light');
  });

  it('speaks-input-as-a-wav-at-the-engine-rate-and-as-24khz-pcm', async () => {
    const wav = await say({ model: 'tts-1', voice: 'alloy', input: 'The kitchen light is on.' });
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    const audio = decodeWav(wav.body);
    expect(audio.rate).toBe(tts.sampleRate);
    expect(audio.channels).toBe(1);
    expect(audio.pcm.length / audio.rate).toBeGreaterThan(0.8);
    expect(rms(audio.pcm)).toBeGreaterThan(1000);

    const pcm = await say({ input: 'The kitchen light is on.', response_format: 'pcm' });
    expect(pcm.status).toBe(200);
    expect(pcm.headers.get('content-type')).toBe('audio/pcm');
    const seconds = pcm.body.length / 2 / 24_000;
    expect(seconds).toBeCloseTo(audio.pcm.length / audio.rate, 1);
  });

  it('refuses-a-missing-or-wrong-key-with-401-on-both-routes', async () => {
    const body = upload(wavBlob(command));
    const cases: [string, RequestInit][] = [
      [transcriptions, { body }],
      [speech, { headers: { 'content-type': 'application/json' }, body: '{"input":"hi"}' }],
    ];
    for (const [url, init] of cases) {
      const missing = await call(url, init);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(openAiError(missing)).toMatchObject({ code: 'auth-missing' });
      expect(openAiError(missing).message).toContain('Authorization: Bearer');

      const wrong = await call(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...bearer('nope') },
      });
      expect(wrong.status).toBe(401);
      expect(openAiError(wrong)).toMatchObject({
        code: 'auth-invalid',
        message: 'invalid API key',
      });

      const basic = await call(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Basic ${KEY}` },
      });
      expect(basic.status).toBe(401);
    }
    // Either configured key works, and the scheme is case-insensitive (RFC 7235 §2.1).
    const other = await call(speech, {
      headers: { authorization: 'bearer another-key', 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'Yes.' }),
    });
    expect(other.status).toBe(200);
  });

  it('rejects-bad-uploads-with-400-and-a-clear-message-then-serves-the-next-request', async () => {
    const notWav = await call(transcriptions, {
      headers: bearer(),
      body: upload(new Blob(['ID3 this is an mp3, honest'], { type: 'audio/mpeg' })),
    });
    expect(notWav.status).toBe(400);
    expect(openAiError(notWav)).toMatchObject({
      type: 'invalid_request_error',
      code: 'bad-request',
    });
    expect(openAiError(notWav).message).toMatch(/16-bit PCM WAV: not a RIFF\/WAVE file/);

    const bits24 = encodeWav(command);
    new DataView(bits24.buffer).setUint16(34, 24, true);
    const wrongFormat = await call(transcriptions, {
      headers: bearer(),
      body: upload(new Blob([bits24])),
    });
    expect(wrongFormat.status).toBe(400);
    expect(openAiError(wrongFormat).message).toMatch(/24 bits/);

    const missing = await call(transcriptions, { headers: bearer(), body: upload(undefined) });
    expect(missing.status).toBe(400);
    expect(openAiError(missing).message).toMatch(/missing "file"/);

    const textField = await call(transcriptions, { headers: bearer(), body: upload('RIFF') });
    expect(textField.status).toBe(400);
    expect(openAiError(textField).message).toMatch(/missing "file"/);

    const malformed = await call(transcriptions, {
      headers: { ...bearer(), 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'this is not multipart at all',
    });
    expect(malformed.status).toBe(400);
    expect(openAiError(malformed).message).toBe('malformed multipart/form-data body');

    const asJson = await call(transcriptions, {
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: '{"file":"x"}',
    });
    expect(asJson.status).toBe(400);
    expect(openAiError(asJson).message).toMatch(/multipart\/form-data/);

    const srt = await call(transcriptions, {
      headers: bearer(),
      body: upload(wavBlob(command), { response_format: 'srt' }),
    });
    expect(srt.status).toBe(400);
    expect(openAiError(srt).message).toMatch(/response_format "srt" is not supported/);

    const after = await call(transcriptions, { headers: bearer(), body: upload(wavBlob(command)) });
    expect(after.status).toBe(200);
    expect((after.json() as { text: string }).text).toContain('kitchen light');
  });

  it('rejects-empty-long-or-unsupported-speech-requests-with-400-then-serves-the-next', async () => {
    const empty = await say({ input: '  ' });
    expect(empty.status).toBe(400);
    expect(openAiError(empty).message).toMatch(/"input" is empty/);

    const long = await say({ input: 'a'.repeat(4097) });
    expect(long.status).toBe(400);
    expect(openAiError(long).message).toMatch(/longer than 4096 characters/);

    const absent = await say({ voice: 'alloy' });
    expect(absent.status).toBe(400);
    expect(openAiError(absent).message).toMatch(/input/);

    const mp3 = await say({ input: 'Hello.', response_format: 'mp3' });
    expect(mp3.status).toBe(400);
    expect(openAiError(mp3).message).toMatch(/"mp3" is not supported; use wav or pcm/);

    const fast = await say({ input: 'Hello.', speed: 9 });
    expect(fast.status).toBe(400);
    expect(openAiError(fast).message).toMatch(/speed/);

    const broken = await call(speech, {
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: '{"input": ',
    });
    expect(broken.status).toBe(400);
    openAiError(broken);

    const ok = await say({ input: 'Hello.' });
    expect(ok.status).toBe(200);
    expect(rms(decodeWav(ok.body).pcm)).toBeGreaterThan(500);
  });

  it('refuses-an-oversized-upload-with-413', async () => {
    const big = new Uint8Array(MAX_TRANSCRIPTION_BYTES + 1024);
    const a = await call(transcriptions, {
      headers: bearer(),
      body: upload(new Blob([big])),
    });
    expect(a.status).toBe(413);
    expect(openAiError(a).message).toMatch(/too large/);
  });
});

describe('OpenAI-compatible speech routes without keys', () => {
  it('answer-503-not-enabled-rather-than-being-open', async () => {
    const { stt, tts } = await embeddedEngines();
    const api = await startSpeechApi({ stt, tts, apiKeys: [''] });
    try {
      for (const path of ['/v1/audio/transcriptions', '/v1/audio/speech']) {
        const a = await call(`${api.url}${path}`, {
          headers: { ...bearer(''), 'content-type': 'application/json' },
          body: '{"input":"hi"}',
        });
        expect(a.status).toBe(503);
        expect(openAiError(a).message).toMatch(/not enabled/);
      }
    } finally {
      await api.close();
      await stt.close();
      await tts.close();
    }
  });
});
