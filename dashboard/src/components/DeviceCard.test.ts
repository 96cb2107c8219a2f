// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Device } from '../api/types';
import DeviceCard from './DeviceCard.vue';

const light = (state: Device['state']): Device => ({
  id: 'kitchen-light',
  name: 'Kitchen light',
  room: 'kitchen',
  kind: 'light',
  source: 'config',
  capabilities: { onOff: true, brightness: true, color: false, temperature: null, position: false },
  state,
});

describe('DeviceCard', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('switches off a light that is on, and on one that is off', async () => {
    const card = mount(DeviceCard, { props: { device: light({ on: true, brightness: 80 }) } });
    const toggle = card.get('[data-testid="device-toggle"]');
    expect(toggle.attributes('role')).toBe('switch');
    expect(toggle.attributes('aria-checked')).toBe('true');
    await toggle.trigger('click');
    await card.setProps({ device: light({ on: false }) });
    await toggle.trigger('click');
    expect(card.emitted('command')).toEqual([[{ action: 'off' }], [{ action: 'on' }]]);
  });

  it('toggles when the state is unknown', async () => {
    const card = mount(DeviceCard, { props: { device: light(null) } });
    await card.get('[data-testid="device-toggle"]').trigger('click');
    expect(card.emitted('command')).toEqual([[{ action: 'toggle' }]]);
  });

  it('sends brightness at most every 300 ms while dragging, and the final value on release', async () => {
    const card = mount(DeviceCard, { props: { device: light({ on: true, brightness: 50 }) } });
    const slider = card.get<HTMLInputElement>('[data-testid="device-brightness"]');
    for (const value of ['55', '60', '65']) {
      slider.element.value = value;
      await slider.trigger('input');
      vi.advanceTimersByTime(100);
    }
    expect(card.emitted('command')).toBeUndefined();
    vi.advanceTimersByTime(300);
    expect(card.emitted('command')).toEqual([[{ brightness: 65 }]]);

    slider.element.value = '70';
    await slider.trigger('input');
    await slider.trigger('change');
    vi.advanceTimersByTime(1000);
    expect(card.emitted('command')).toEqual([[{ brightness: 65 }], [{ brightness: 70 }]]);
  });
});
