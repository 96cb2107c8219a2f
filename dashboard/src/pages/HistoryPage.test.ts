// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../api/client';
import type { Session } from '../api/types';
import { jsonResponse, mockFetch, tokens } from '../testing/fetch-mock';
import { session } from '../testing/fixtures';
import { testRouter } from '../testing/router';
import HistoryPage from './HistoryPage.vue';

const byId = (id: string) => `[data-testid="${id}"]`;

/** 25 sessions a minute apart, newest first, starting at `from`. */
function pageOf(from: number, count = 25): Session[] {
  return Array.from({ length: count }, (_, i) =>
    session({
      id: `s${from + i}`,
      startedAt: new Date(Date.UTC(2025, 0, 2, 10, 0) - (from + i) * 60_000).toISOString(),
    }),
  );
}

async function mountPage(answer: (url: URL) => Session[]) {
  const mock = mockFetch((call) => {
    if (call.url.endsWith('/reply.wav'))
      return new Response(new Blob([new Uint8Array(44)]), {
        headers: { 'content-type': 'audio/wav' },
      });
    return jsonResponse(200, { sessions: answer(new URL(call.url, 'http://hub')) });
  });
  vi.stubGlobal('fetch', mock.fetch);
  const wrapper = mount(HistoryPage, { global: { plugins: [await testRouter('/history')] } });
  await flushPromises();
  const urls = () => mock.calls.map((c) => c.url);
  return { wrapper, urls };
}

describe('HistoryPage', () => {
  beforeEach(() => api.acceptTokens(tokens('a1', 'r1', 'member')));
  afterEach(() => {
    api.forget();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('loads the newest page, then builds the query from the filters', async () => {
    const { wrapper, urls } = await mountPage(() => pageOf(0, 3));
    expect(urls()).toEqual(['/v1/sessions?limit=25']);
    expect(wrapper.findAll(byId('history-row'))).toHaveLength(3);
    expect(wrapper.find(byId('history-older')).exists()).toBe(false); // a short page is the last

    await wrapper.get(byId('history-outcome')).setValue('error');
    await flushPromises();
    expect(urls().at(-1)).toBe('/v1/sessions?outcome=error&limit=25');

    // Members cannot list satellites: the choices come from the sessions seen.
    await wrapper.get(byId('history-satellite')).setValue('kitchen-1');
    await flushPromises();
    expect(urls().at(-1)).toBe('/v1/sessions?satellite=kitchen-1&outcome=error&limit=25');

    await wrapper.get(byId('history-search')).setValue('kitchen light');
    await new Promise((resolve) => setTimeout(resolve, 350)); // the search waits for typing to stop
    await flushPromises();
    expect(urls().at(-1)).toBe(
      '/v1/sessions?satellite=kitchen-1&outcome=error&q=kitchen+light&limit=25',
    );
  });

  it('pages to older sessions by the start time of the last one shown', async () => {
    const { wrapper, urls } = await mountPage((url) =>
      url.searchParams.has('before') ? pageOf(25, 5) : pageOf(0),
    );
    expect(wrapper.findAll(byId('history-row'))).toHaveLength(25);
    await wrapper.get(byId('history-older')).trigger('click');
    await flushPromises();
    const before = new URL(urls().at(-1) ?? '', 'http://hub').searchParams.get('before');
    expect(before).toBe(pageOf(0).at(-1)?.startedAt);
    expect(wrapper.findAll(byId('history-row'))).toHaveLength(30);
    expect(wrapper.find(byId('history-older')).exists()).toBe(false);
  });

  it('shows the empty state when nothing matches', async () => {
    const { wrapper } = await mountPage(() => []);
    expect(wrapper.get(byId('list-empty')).text()).toBe('No sessions match.');
  });

  it('expands a row into its details and plays the reply through a blob URL', async () => {
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:reply');
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockReturnValue(undefined);
    const failing = session({ id: 'bad', outcome: 'error', errorCode: 'stt-failed' });
    const { wrapper, urls } = await mountPage(() => [failing]);
    const toggle = wrapper.get(byId('history-row-toggle'));
    expect(toggle.attributes('aria-expanded')).toBe('false');
    await toggle.trigger('click');
    expect(toggle.attributes('aria-expanded')).toBe('true');
    expect(wrapper.get(byId('history-error-code')).text()).toBe('stt-failed');
    expect(wrapper.get(byId('history-engines')).text()).toContain('STT pocketsphinx');
    expect(wrapper.find(byId('waterfall')).exists()).toBe(true);

    await wrapper.get(byId('history-play')).trigger('click');
    await flushPromises();
    expect(urls().at(-1)).toBe('/v1/sessions/bad/reply.wav');
    expect(wrapper.get(byId('history-audio')).attributes('src')).toBe('blob:reply');
    wrapper.unmount();
    expect(revoke).toHaveBeenCalledWith('blob:reply');
  });
});
