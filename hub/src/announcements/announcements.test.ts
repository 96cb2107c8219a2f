import type { AudioChunk, DownEvent } from '@jarvis/protocol';
import { ProtocolError } from '@jarvis/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TtsEngine } from '../engines/types.js';
import { Announcer, parseAnnounceRequest, type AnnounceTarget } from './announcements.js';

const log = pino({ level: 'silent' });

/** Speaks 10 ms of a constant per text, after `delayMs`. */
function fakeTts(delayMs = 0): TtsEngine & { spoken: string[] } {
  const spoken: string[] = [];
  return {
    id: 'fake',
    sampleRate: 16000,
    spoken,
    async *synthesize(text: AsyncIterable<string>): AsyncIterable<AudioChunk> {
      for await (const t of text) {
        spoken.push(t);
        await new Promise((r) => setTimeout(r, delayMs));
        yield { pcm: new Int16Array(160).fill(1000), rate: 16000, timestampMs: 0 };
      }
    },
    close: async () => undefined,
  };
}

function target(id: string, room: string): AnnounceTarget & { log: (DownEvent | 'audio')[] } {
  const events: (DownEvent | 'audio')[] = [];
  let stream = 0;
  return {
    satellite: { id, room },
    log: events,
    send: (e) => events.push(e),
    sendAudio: () => events.push('audio'),
    nextStream: () => ++stream,
  };
}

const types = (t: { log: (DownEvent | 'audio')[] }): string[] =>
  t.log.map((e) => (e === 'audio' ? e : e.type));

describe('announce requests', () => {
  it.each([
    ['{"text":"Dinner is ready"}', { text: 'Dinner is ready' }],
    ['{"text":"Hi","room":"kitchen"}', { text: 'Hi', room: 'kitchen' }],
    ['{"text":"Hi","satellite":"bedroom-1"}', { text: 'Hi', satellite: 'bedroom-1' }],
  ])('accepts %s', (json, expected) => expect(parseAnnounceRequest(json)).toEqual(expected));

  it.each([
    ['not json', 'bad-json'],
    ['{"text":""}', 'bad-event'],
    [JSON.stringify({ text: 'x'.repeat(501) }), 'bad-event'],
    ['{"text":"Hi","extra":1}', 'bad-event'],
    ['{"text":"Hi","satellite":"Bad/Id#"}', 'bad-event'],
    ['["text"]', 'bad-event'],
    [JSON.stringify({ text: 'x'.repeat(5000) }), 'json-too-large'],
  ])('refuses %s', (json, code) => {
    expect(() => parseAnnounceRequest(json)).toThrow(ProtocolError);
    try {
      parseAnnounceRequest(json);
    } catch (err) {
      expect((err as ProtocolError).code).toBe(code);
    }
  });
});

describe('announcer', () => {
  const kitchen = target('kitchen', 'kitchen');
  const bedroom = target('bedroom', 'Bedroom');
  const online = [kitchen, bedroom];
  const announcer = new Announcer({ tts: fakeTts(), log, online: () => online });

  it('targets-by-room-satellite-or-everyone', () => {
    const ids = (ts: readonly { satellite: { id: string } }[]): string[] =>
      ts.map((t) => t.satellite.id);
    expect(ids(announcer.targets({ room: 'kitchen' }))).toEqual(['kitchen']);
    expect(ids(announcer.targets({ room: 'bedroom' }))).toEqual(['bedroom']);
    expect(ids(announcer.targets({ satellite: 'bedroom' }))).toEqual(['bedroom']);
    expect(ids(announcer.targets({ satellite: 'bedroom', room: 'kitchen' }))).toEqual([]);
    expect(ids(announcer.targets({}))).toEqual(['kitchen', 'bedroom']);
  });

  it('speaks-an-announcement-event-then-its-audio', async () => {
    const k = target('kitchen', 'kitchen');
    const a = new Announcer({ tts: fakeTts(), log, online: () => [k] });
    expect(await a.announceTo([k], 'Dinner is ready')).toEqual(['kitchen']);
    expect(types(k)).toEqual(['announce', 'audio-start', 'audio', 'audio-stop']);
    expect(k.log[0]).toMatchObject({ reason: 'announcement', text: 'Dinner is ready' });
  });

  it('one-satellite-hears-announcements-one-after-another', async () => {
    const k = target('kitchen', 'kitchen');
    const a = new Announcer({ tts: fakeTts(20), log, online: () => [k] });
    await Promise.all([a.announceTo([k], 'one'), a.announceTo([k], 'two')]);
    expect(types(k)).toEqual([
      ...['announce', 'audio-start', 'audio', 'audio-stop'],
      ...['announce', 'audio-start', 'audio', 'audio-stop'],
    ]);
  });

  it('ignores-bad-messages-and-announces-the-next-good-one', async () => {
    const k = target('kitchen', 'kitchen');
    const b = target('bedroom', 'bedroom');
    const tts = fakeTts();
    const a = new Announcer({ tts, log, online: () => [k, b] });
    await a.onMessage(Buffer.from('{"text":'));
    await a.onMessage(Buffer.from('{"text":"Hi","room":"attic"}'));
    expect(tts.spoken).toEqual([]);
    await a.onMessage(Buffer.from('{"text":"Dinner","room":"kitchen"}'));
    expect(tts.spoken).toEqual(['Dinner']);
    expect(types(k)).toContain('announce');
    expect(b.log).toEqual([]);
  });

  it('a-failing-satellite-does-not-stop-the-others', async () => {
    const broken: AnnounceTarget = {
      ...target('broken', 'kitchen'),
      send: () => {
        throw new Error('socket gone');
      },
    };
    const k = target('kitchen', 'kitchen');
    const a = new Announcer({ tts: fakeTts(), log, online: () => [broken, k] });
    expect(await a.announceTo([broken, k], 'Hi')).toEqual(['kitchen']);
  });

  it('says-nothing-once-closed', async () => {
    const k = target('kitchen', 'kitchen');
    const a = new Announcer({ tts: fakeTts(), log, online: () => [k] });
    a.close();
    expect(await a.announceTo([k], 'Hi')).toEqual([]);
    expect(k.log).toEqual([]);
  });
});
