// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../api/client';
import { jsonResponse, mockFetch, tokens } from '../testing/fetch-mock';
import { testRouter } from '../testing/router';
import EnrollPage from './EnrollPage.vue';

const byId = (id: string) => `[data-testid="${id}"]`;

async function mountPage(path = '/enroll') {
  const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString();
  const mock = mockFetch((call) =>
    jsonResponse(201, {
      code: 'ABCD-EFGH-JKLM',
      expiresAt,
      ...((call.body as { satelliteId?: string }).satelliteId ? { satelliteId: 'den' } : {}),
    }),
  );
  vi.stubGlobal('fetch', mock.fetch);
  const wrapper = mount(EnrollPage, { global: { plugins: [await testRouter(path)] } });
  return { wrapper, calls: mock.calls };
}

/** Waits for the QR image, which is drawn asynchronously. */
async function qrImage(wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper']) {
  for (let i = 0; i < 50 && !wrapper.find(byId('enroll-qr')).exists(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    await flushPromises();
  }
  return wrapper.get(byId('enroll-qr'));
}

describe('EnrollPage', () => {
  beforeEach(() => api.acceptTokens(tokens('a1', 'r1')));
  afterEach(() => {
    api.forget();
    vi.unstubAllGlobals();
  });

  it('creates a code and shows it with the exact command and a QR image', async () => {
    const { wrapper, calls } = await mountPage();
    await wrapper.get(byId('enroll-room')).setValue('kitchen');
    await wrapper.get(byId('enroll-form')).trigger('submit');
    await flushPromises();

    expect(calls.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/satellites/enrollment-codes',
      body: { room: 'kitchen', ttlMinutes: 15 },
    });
    expect(wrapper.get(byId('enroll-code')).text()).toBe('ABCD-EFGH-JKLM');
    expect(wrapper.get(byId('enroll-expiry')).text()).toMatch(/Expires in 1[45]:\d\d/);
    const origin = window.location.origin;
    expect(wrapper.get(byId('enroll-command')).text()).toBe(
      `npx jarvis-provision enroll --hub ${origin} --code ABCD-EFGH-JKLM --room kitchen --ssh pi@raspberrypi.local`,
    );

    await wrapper.get(byId('enroll-host')).setValue('10.0.0.7');
    expect(wrapper.get(byId('enroll-command')).text()).toMatch(/--ssh pi@10\.0\.0\.7$/);

    const img = await qrImage(wrapper);
    expect(img.attributes('src')).toMatch(/^data:image\/png;base64,/);
    expect(img.attributes('alt')).toBe(
      `QR code of jarvis://enroll?hub=${origin}&code=ABCD-EFGH-JKLM`,
    );
  });

  it('re-enrolls an existing satellite under its id', async () => {
    const { wrapper, calls } = await mountPage('/enroll?room=den&satelliteId=den');
    expect((wrapper.get(byId('enroll-room')).element as HTMLInputElement).value).toBe('den');
    await wrapper.get(byId('enroll-form')).trigger('submit');
    await flushPromises();
    expect(calls.at(-1)?.body).toEqual({ room: 'den', satelliteId: 'den', ttlMinutes: 15 });
    expect(wrapper.get(byId('enroll-command')).text()).toContain('--room den --id den --ssh');
  });
});
