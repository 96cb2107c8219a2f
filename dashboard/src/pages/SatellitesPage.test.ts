// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { api } from '../api/client';
import ConfirmDialog from '../components/ConfirmDialog.vue';
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
import { satellite } from '../testing/fixtures';
import { testRouter } from '../testing/router';
import SatellitesPage from './SatellitesPage.vue';

const byId = (id: string) => `[data-testid="${id}"]`;
const Shell = defineComponent(() => () => [h(SatellitesPage), h(ConfirmDialog), h(ToastList)]);

async function mountPage(handler: (call: FetchCall) => Response) {
  const mock = mockFetch((call) =>
    call.method === 'GET'
      ? jsonResponse(200, {
          satellites: [satellite(), satellite({ id: 'den', name: 'Den', online: false })],
        })
      : handler(call),
  );
  vi.stubGlobal('fetch', mock.fetch);
  const wrapper = mount(Shell, {
    global: { plugins: [await testRouter('/satellites')] },
    attachTo: document.body,
  });
  await flushPromises();
  return { wrapper, calls: mock.calls };
}

const kitchen = (wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper']) =>
  wrapper.get('[data-satellite-id="kitchen-1"]');

describe('SatellitesPage', () => {
  beforeEach(() => {
    const t = tokens('a1', 'r1');
    api.acceptTokens(t);
    signedIn(t);
    toasts.value = [];
  });
  afterEach(() => {
    api.forget();
    signedOut();
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
  });

  it('lists the satellites as cards', async () => {
    const { wrapper } = await mountPage(() => emptyResponse());
    expect(
      wrapper.findAll(byId('satellite-card')).map((c) => c.attributes('data-satellite-id')),
    ).toEqual(['den', 'kitchen-1']);
  });

  it('revokes only after the confirm dialog says yes', async () => {
    const { wrapper, calls } = await mountPage(() => emptyResponse());
    await kitchen(wrapper).get(byId('satellite-revoke')).trigger('click');
    await flushPromises();
    const dialog = wrapper.get<HTMLDialogElement>(byId('confirm-dialog'));
    expect(dialog.element.open).toBe(true);
    expect(dialog.text()).toContain('Revoke Kitchen?');
    expect(document.activeElement).toBe(wrapper.get(byId('confirm-cancel')).element);

    await wrapper.get(byId('confirm-cancel')).trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);

    await kitchen(wrapper).get(byId('satellite-revoke')).trigger('click');
    await flushPromises();
    await wrapper.get(byId('confirm-ok')).trigger('click');
    await flushPromises();
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/satellites/kitchen-1' });
    expect(wrapper.find('[data-satellite-id="kitchen-1"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Revoked satellites (1)');
  });

  it("sends the volume, and shows the hub's message when it is refused", async () => {
    const { wrapper, calls } = await mountPage(() =>
      jsonResponse(409, { code: 'not-online', message: 'the satellite is not online' }),
    );
    const slider = kitchen(wrapper).get<HTMLInputElement>(byId('satellite-volume'));
    await slider.setValue('30');
    await flushPromises();
    expect(calls.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/satellites/kitchen-1/volume',
      body: { volume: 30 },
    });
    expect(wrapper.get(byId('toast')).text()).toContain('Kitchen: the satellite is not online');
    expect(slider.element.value).toBe('60'); // back where the satellite really is
  });

  it('renames and moves through PATCH', async () => {
    const { wrapper, calls } = await mountPage(() =>
      jsonResponse(200, satellite({ name: 'Pantry', room: 'pantry' })),
    );
    await kitchen(wrapper).get(byId('satellite-edit')).trigger('click');
    await wrapper.get(byId('satellite-edit-name')).setValue('Pantry');
    await wrapper.get(byId('satellite-edit-room')).setValue('pantry');
    await kitchen(wrapper).get('form').trigger('submit');
    await flushPromises();
    expect(calls.at(-1)).toMatchObject({
      method: 'PATCH',
      url: '/v1/satellites/kitchen-1',
      body: { name: 'Pantry', room: 'pantry' },
    });
    expect(kitchen(wrapper).get(byId('satellite-name')).text()).toBe('Pantry');
  });
});
