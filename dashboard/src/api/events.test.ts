// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventStream, eventsUrl, type StreamEvent } from './events';

/** A WebSocket stand-in the test drives by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  // Test controls.
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(event: object): void {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const last = (): FakeSocket => {
  const socket = FakeSocket.all.at(-1);
  if (!socket) throw new Error('no socket opened');
  return socket;
};

function stream(options: { token?: () => string; refresh?: () => Promise<boolean> } = {}) {
  const token = options.token ?? (() => 'a1');
  return new EventStream({
    getToken: () => Promise.resolve(token()),
    refresh: options.refresh ?? (() => Promise.resolve(true)),
    url: () => 'ws://hub/v1/events',
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    initialRetryMs: 1000,
    maxRetryMs: 8000,
  });
}

describe('EventStream', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('authenticates right after open and delivers events after ready', async () => {
    const events = stream();
    const seen: StreamEvent[] = [];
    events.subscribe((e) => seen.push(e));
    events.start();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    expect(last().sent).toEqual([{ type: 'auth', token: 'a1' }]);
    expect(events.status).toBe('connecting');

    last().receive({ type: 'ready' });
    last().receive({ type: 'timers' });
    expect(events.status).toBe('live');
    expect(seen.map((e) => e.type)).toEqual(['ready', 'timers']);
    events.stop();
  });

  it('sends a fresh token on the open socket after a refresh', async () => {
    const events = stream();
    events.start();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    events.reauthenticate('a2');
    expect(last().sent).toEqual([
      { type: 'auth', token: 'a1' },
      { type: 'auth', token: 'a2' },
    ]);
    events.stop();
  });

  it('reconnects with a growing delay while the hub is away', async () => {
    const events = stream();
    events.start();
    await vi.advanceTimersByTimeAsync(0);
    last().drop();
    expect(events.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);

    last().drop(); // the second try waits twice as long
    await vi.advanceTimersByTimeAsync(1999);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(3);

    last().open();
    last().receive({ type: 'ready' }); // a good connection resets the delay
    last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(4);
    events.stop();
  });

  it('refreshes the token after a 4001 close, then reconnects with the new one', async () => {
    let token = 'a1';
    const refresh = vi.fn(() => {
      token = 'a2';
      return Promise.resolve(true);
    });
    const events = stream({ token: () => token, refresh });
    events.start();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    last().drop(4001);
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledOnce();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().sent).toEqual([{ type: 'auth', token: 'a2' }]);
    events.stop();
  });

  it('stops for good when the refresh after a 4001 is refused', async () => {
    const events = stream({ refresh: () => Promise.resolve(false) });
    events.start();
    await vi.advanceTimersByTimeAsync(0);
    last().drop(4001);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(events.status).toBe('idle');
  });

  it('does not reconnect after stop', async () => {
    const events = stream();
    events.start();
    await vi.advanceTimersByTimeAsync(0);
    events.stop();
    last().drop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('uses wss under https', () => {
    expect(eventsUrl({ protocol: 'https:', host: 'hub.lan:8765' })).toBe(
      'wss://hub.lan:8765/v1/events',
    );
    expect(eventsUrl({ protocol: 'http:', host: 'hub.lan' })).toBe('ws://hub.lan/v1/events');
  });
});
