// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { satellite } from '../testing/fixtures';
import SatelliteCard from './SatelliteCard.vue';

const byId = (id: string) => `[data-testid="${id}"]`;

describe('SatelliteCard', () => {
  it('shows name, room, wake words and LED state', () => {
    const card = mount(SatelliteCard, { props: { satellite: satellite() } });
    expect(card.get(byId('satellite-name')).text()).toBe('Kitchen');
    expect(card.get(byId('satellite-room')).text()).toBe('kitchen');
    expect(card.get(byId('satellite-status')).text()).toBe('Online');
    expect(card.get(byId('satellite-wake')).text()).toBe('On device: hey jarvis');
    expect(card.get(byId('satellite-led')).text()).toBe('idle');
    expect(card.get(byId('satellite-online')).classes()).toContain('dot-on');
  });

  it('emits the new volume when the slider is let go, not while it moves', async () => {
    const card = mount(SatelliteCard, { props: { satellite: satellite() } });
    const slider = card.get<HTMLInputElement>(byId('satellite-volume'));
    slider.element.value = '35';
    await slider.trigger('input'); // dragging
    expect(card.get('output').text()).toBe('35');
    expect(card.emitted('volume')).toBeUndefined();
    await slider.trigger('change');
    expect(card.emitted('volume')).toEqual([[35]]);
  });

  it('emits mute and unmute', async () => {
    const card = mount(SatelliteCard, { props: { satellite: satellite() } });
    const mute = card.get(byId('satellite-mute'));
    expect(mute.attributes('aria-pressed')).toBe('false');
    await mute.trigger('click');
    await card.setProps({ satellite: satellite({ muted: true }) });
    expect(mute.text()).toBe('Unmute');
    await mute.trigger('click');
    expect(card.emitted('mute')).toEqual([[true], [false]]);
  });

  it('emits only what the inline edit changed', async () => {
    const card = mount(SatelliteCard, { props: { satellite: satellite() } });
    await card.get(byId('satellite-edit')).trigger('click');
    await card.get(byId('satellite-edit-room')).setValue('  living room ');
    await card.get('form').trigger('submit');
    expect(card.emitted('rename')).toEqual([[{ room: 'living room' }]]);
    expect(card.find(byId('satellite-edit-name')).exists()).toBe(false);

    await card.get(byId('satellite-edit')).trigger('click');
    await card.get(byId('satellite-edit-name')).setValue('Kitchen');
    await card.get('form').trigger('submit'); // nothing changed: nothing to send
    expect(card.emitted('rename')).toHaveLength(1);
  });

  it('emits revoke', async () => {
    const card = mount(SatelliteCard, { props: { satellite: satellite() } });
    await card.get(byId('satellite-revoke')).trigger('click');
    expect(card.emitted('revoke')).toHaveLength(1);
  });

  it('shows an offline satellite as such, with its volume controls disabled', () => {
    const card = mount(SatelliteCard, {
      props: {
        satellite: satellite({
          online: false,
          lastSeen: new Date(Date.now() - 5 * 60_000).toISOString(),
        }),
      },
    });
    expect(card.classes()).toContain('offline');
    expect(card.attributes('data-online')).toBe('false');
    expect(card.get(byId('satellite-status')).text()).toBe('Offline · seen 5 min ago');
    expect(card.get(byId('satellite-online')).classes()).toContain('dot-off');
    expect(card.get(byId('satellite-volume')).attributes()).toHaveProperty('disabled');
    expect(card.get(byId('satellite-mute')).attributes()).toHaveProperty('disabled');
  });

  it('puts the slider back when the page hands it the satellite again', async () => {
    const sat = satellite({ volume: 60 });
    const card = mount(SatelliteCard, { props: { satellite: sat } });
    const slider = card.get<HTMLInputElement>(byId('satellite-volume'));
    await slider.setValue('10');
    await card.setProps({ satellite: { ...sat } }); // the change was refused
    expect(slider.element.value).toBe('60');
  });
});
