// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { api } from '../api/client';
import ToastList from '../components/ToastList.vue';
import { signedIn, signedOut } from '../stores/auth';
import { toasts } from '../stores/toasts';
import {
  emptyResponse,
  jsonResponse,
  mockFetch,
  tokens,
  type FetchCall,
} from '../testing/fetch-mock';
import { testRouter } from '../testing/router';
import TimersPage from './TimersPage.vue';

const byId = (id: string) => `[data-testid="${id}"]`;
const Shell = defineComponent(() => () => [h(TimersPage), h(ToastList)]);
const timer = {
  id: 't1',
  name: 'pasta',
  satelliteId: 'kitchen-1',
  durationMs: 600_000,
  endsAt: '2025-01-02T10:10:00.000Z',
  remainingMs: 65_000,
};

async function mountPage(handler: (call: FetchCall) => Response) {
  const mock = mockFetch(handler);
  vi.stubGlobal('fetch', mock.fetch);
  const wrapper = mount(Shell, { global: { plugins: [await testRouter('/timers')] } });
  await flushPromises();
  return { wrapper, calls: mock.calls };
}

describe('TimersPage', () => {
  beforeEach(() => {
    // Only the clock: promises and flushPromises keep running for real.
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const t = tokens('a1', 'r1', 'member');
    api.acceptTokens(t);
    signedIn(t);
    toasts.value = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    api.forget();
    signedOut();
    vi.unstubAllGlobals();
  });

  it('counts a timer down from the remaining time the hub gave, and cancels it', async () => {
    const { wrapper, calls } = await mountPage((call) =>
      call.method === 'GET' ? jsonResponse(200, { timers: [timer] }) : emptyResponse(),
    );
    expect(wrapper.get(byId('timer-row')).text()).toContain('pasta');
    expect(wrapper.get(byId('timer-remaining')).text()).toBe('1:05');
    await vi.advanceTimersByTimeAsync(5000);
    expect(wrapper.get(byId('timer-remaining')).text()).toBe('1:00');
    await vi.advanceTimersByTimeAsync(61_000);
    expect(wrapper.get(byId('timer-remaining')).text()).toBe('Ringing');

    await wrapper.get(byId('timer-cancel')).trigger('click');
    await flushPromises();
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/timers/t1' });
    expect(wrapper.get(byId('list-empty')).text()).toContain('No timers running');
  });

  it("announces, and shows the hub's message when no satellite listens", async () => {
    let online = 2;
    const { wrapper, calls } = await mountPage((call) => {
      if (call.method === 'GET') return jsonResponse(200, { timers: [] });
      return online > 0
        ? jsonResponse(202, { satellites: ['a', 'b'].slice(0, online) })
        : jsonResponse(409, { code: 'no-listener', message: 'no online satellite matches' });
    });
    await wrapper.get(byId('announce-text')).setValue('Dinner is ready');
    await wrapper.get(byId('announce-room')).setValue('kitchen');
    await wrapper.get(byId('announce-form')).trigger('submit');
    await flushPromises();
    expect(calls.at(-1)).toMatchObject({
      url: '/v1/announcements',
      body: { text: 'Dinner is ready', room: 'kitchen' },
    });
    expect(wrapper.get(byId('toast')).text()).toContain('Announcing on 2 satellites.');

    online = 0;
    await wrapper.get(byId('announce-text')).setValue('Anyone?');
    await wrapper.get(byId('announce-room')).setValue('');
    await wrapper.get(byId('announce-form')).trigger('submit');
    await flushPromises();
    expect(calls.at(-1)?.body).toEqual({ text: 'Anyone?' });
    const last = wrapper.findAll(byId('toast')).at(-1);
    expect(last?.attributes('data-kind')).toBe('error');
    expect(last?.text()).toContain('no online satellite matches');
  });
});
