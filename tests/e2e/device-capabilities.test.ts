/**
 * Brightness, colour, temperature, position and open/close by voice, end to end: a miniature
 * Zigbee2MQTT announces a colour lamp, a radiator and blinds over MQTT discovery, the hub adds
 * their capability intents to the recogniser's grammar, and spoken requests through a real
 * satellite, wake word and recogniser reach the bridge as the payloads Zigbee2MQTT expects.
 */
import { createOpenWakeWord, type WakeEngine } from '@jarvis/satellite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runExchange, startStack, type Stack } from '../support/stack.js';
import { speak, type TestVoice } from '../support/voices.js';
import {
  Z2M_BLINDS,
  Z2M_DEVICES,
  Z2M_LAMP,
  Z2M_RADIATOR,
  Zigbee2MqttBridge,
} from '../support/zigbee2mqtt.js';

let stack: Stack;
let bridge: Zigbee2MqttBridge;
let wake: WakeEngine;
let sat: Awaited<ReturnType<Stack['enroll']>>;

beforeAll(async () => {
  stack = await startStack();
  wake = await createOpenWakeWord({});
  bridge = await Zigbee2MqttBridge.connect(stack.mqtt);
  await bridge.announce();
  await vi.waitFor(
    () => {
      for (const d of Z2M_DEVICES) expect(stack.hub.devices.find(d.config.unique_id)).toBeDefined();
    },
    { timeout: 10_000 },
  );
  sat = await stack.enroll('kitchen', 'kitchen');
});
afterAll(async () => {
  await bridge?.close();
  await wake?.close();
  await stack?.close();
});

const CASES: readonly {
  readonly text: string;
  readonly voice: TestVoice;
  readonly intent: string;
  readonly reply: string;
  readonly command: { readonly topic: string; readonly payload: string };
}[] = [
  {
    text: 'set the lamp to fifty percent',
    voice: 'espeak',
    intent: 'set_brightness',
    reply: 'Setting the kitchen lamp to 50 percent.',
    // Zigbee2MQTT's JSON light on its 0–254 scale.
    command: { topic: Z2M_LAMP.set, payload: '{"state":"ON","brightness":127}' },
  },
  {
    text: 'make the lamp blue',
    voice: 'flite',
    intent: 'set_color',
    reply: 'Turning the kitchen lamp blue.',
    // The bulb announced xy colour, not rgb.
    command: { topic: Z2M_LAMP.set, payload: '{"state":"ON","color":{"x":0.1355,"y":0.0399}}' },
  },
  {
    text: 'set the temperature in the living room to twenty one degrees',
    voice: 'festival',
    intent: 'set_temperature',
    reply: 'Setting the living room radiator to 21 degrees.',
    command: { topic: Z2M_RADIATOR.set, payload: '21' },
  },
  {
    text: 'set the radiator to twenty degrees',
    voice: 'espeak',
    intent: 'set_temperature',
    reply: 'Setting the living room radiator to 20 degrees.',
    command: { topic: Z2M_RADIATOR.set, payload: '20' },
  },
  {
    text: 'lower the blinds to thirty percent',
    voice: 'flite',
    intent: 'set_position',
    reply: 'Setting the kitchen blinds to 30 percent open.',
    // Through the set_position_template Zigbee2MQTT announced.
    command: { topic: Z2M_BLINDS.set, payload: '{ "position": 30 }' },
  },
  {
    text: 'open the blinds',
    voice: 'festival',
    intent: 'open',
    reply: 'Opening the kitchen blinds.',
    command: { topic: Z2M_BLINDS.set, payload: 'OPEN' },
  },
  {
    text: 'close the blinds',
    voice: 'espeak',
    intent: 'close',
    reply: 'Closing the kitchen blinds.',
    command: { topic: Z2M_BLINDS.set, payload: 'CLOSE' },
  },
];

describe('device capabilities by voice, from Zigbee2MQTT discovery', () => {
  it.each(CASES)('"$text" ($voice)', async (c) => {
    const before = bridge.commands.length;
    const audio = await speak(`hey jarvis, ${c.text}`, c.voice, { leadMs: 500 });
    const ex = await runExchange(stack, sat, audio, { wake });
    expect(ex.record).toMatchObject({ intent: c.intent, outcome: 'ok', reply: c.reply });
    expect(ex.record?.action).toMatchObject(c.command);
    // The bridge got exactly that command and nothing else.
    await expect.poll(() => bridge.commands.slice(before)).toEqual([c.command]);
    expect(stack.light.received).toEqual([]);
  });

  it('says-so-when-a-device-cannot-do-what-is-asked', async () => {
    // The radiator has no power topic: a clear answer, and no message.
    const before = bridge.commands.length;
    const audio = await speak('hey jarvis, turn on the radiator', 'flite', { leadMs: 500 });
    const ex = await runExchange(stack, sat, audio, { wake });
    expect(ex.record).toMatchObject({
      intent: 'turn_on',
      outcome: 'not-understood',
      reply: "Sorry, I can't switch the living room radiator.",
    });
    expect(ex.record?.action).toBeNull();
    await new Promise((r) => setTimeout(r, 300)); // time for a stray command to arrive
    expect(bridge.commands.slice(before)).toEqual([]);
  });

  it('writes-each-device-command-to-the-audit-log', async () => {
    await expect
      .poll(
        async () =>
          (
            await stack.hub.db.query<{ target: string; actor: string; outcome: string }>(
              "SELECT target, actor, outcome FROM audit_log WHERE action = 'device-command'",
            )
          ).length,
      )
      .toBe(CASES.length);
    const rows = await stack.hub.db.query<{ target: string; actor: string; outcome: string }>(
      "SELECT target, actor, outcome FROM audit_log WHERE action = 'device-command'",
    );
    expect(new Set(rows.map((r) => r.target))).toEqual(
      new Set([Z2M_LAMP.set, Z2M_RADIATOR.set, Z2M_BLINDS.set]),
    );
    expect(rows.every((r) => r.actor === 'satellite:kitchen' && r.outcome === 'ok')).toBe(true);
  });
});
