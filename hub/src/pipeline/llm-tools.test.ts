import { describe, expect, it } from 'vitest';
import type { IntentMatch } from '../intents/intents.js';
import { LLM_TOOLS, runTool, type ConversationActions } from './llm-tools.js';

/** Records the intents the tools ask for, and answers like the fast path would. */
function recorder(withMemory = true) {
  const intents: IntentMatch[] = [];
  const facts: string[] = [];
  const actions: ConversationActions = {
    intent: (m) => {
      intents.push(m);
      return Promise.resolve(`did ${m.name}`);
    },
    ...(withMemory
      ? {
          remember: (fact: string) => {
            facts.push(fact);
            return Promise.resolve(`OK, I'll remember that ${fact}.`);
          },
          recall: (q: string) => Promise.resolve(`asked about ${q}`),
        }
      : {}),
  };
  return { intents, facts, actions };
}

const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });

describe('language model tools', () => {
  it('turn-each-call-into-the-intent-a-spoken-request-gives', async () => {
    const r = recorder();
    const cases: [string, Record<string, unknown>, IntentMatch[]][] = [
      [
        'control_device',
        { device: 'light', room: 'bedroom', state: 'on' },
        [{ name: 'turn_on', slots: { device: 'light', room: 'bedroom' } }],
      ],
      [
        'control_device',
        { device: 'blinds', state: 'close' },
        [{ name: 'close', slots: { device: 'blinds' } }],
      ],
      [
        'set_device',
        { device: 'lamp', brightness: 40, color: 'blue' },
        [
          { name: 'set_brightness', slots: { device: 'lamp', brightness: 40 } },
          { name: 'set_color', slots: { device: 'lamp', color: 'blue' } },
        ],
      ],
      [
        'set_device',
        { device: 'radiator', temperature: '20.5' },
        [{ name: 'set_temperature', slots: { device: 'radiator', temperature: 20.5 } }],
      ],
      [
        'set_timer',
        { seconds: 300, name: 'pasta' },
        [{ name: 'set_timer', slots: { duration: 300_000, name: 'pasta' } }],
      ],
      ['cancel_timer', {}, [{ name: 'cancel_timer', slots: {} }]],
      ['time_left', { name: 'tea' }, [{ name: 'timer_remaining', slots: { name: 'tea' } }]],
      [
        'announce',
        { text: 'Dinner is ready', room: 'kitchen' },
        [{ name: 'announce', slots: { message: 'Dinner is ready', room: 'kitchen' } }],
      ],
    ];
    for (const [name, args, want] of cases) {
      r.intents.length = 0;
      const result = await runTool(call(name, args), r.actions);
      expect(r.intents, name).toEqual(want);
      expect(result).toBe(want.map((m) => `did ${m.name}`).join(' '));
    }
    expect(await runTool(call('remember', { fact: 'the key is under the mat' }), r.actions)).toBe(
      "OK, I'll remember that the key is under the mat.",
    );
    expect(await runTool(call('recall', { question: 'the key' }), r.actions)).toBe(
      'asked about the key',
    );
    // Every tool the model is offered is one runTool knows.
    for (const tool of LLM_TOOLS) {
      expect(await runTool(call(tool.name, {}), r.actions)).not.toMatch(/no tool called/);
    }
  });

  it('tell-the-model-what-was-wrong-and-do-nothing', async () => {
    const r = recorder(false);
    const bad: [string, Record<string, unknown>, RegExp][] = [
      ['control_device', { device: 'light', state: 'dim' }, /state must be one of on, off/],
      ['control_device', { state: 'on' }, /device is required/],
      ['control_device', { device: 42, state: 'on' }, /device must be text/],
      ['set_device', { device: 'lamp' }, /give brightness, color, temperature or position/],
      ['set_device', { device: 'lamp', brightness: 140 }, /brightness must be a whole number/],
      ['set_device', { device: 'lamp', color: 'plaid' }, /color must be one of/],
      ['set_device', { device: 'radiator', temperature: 'warm' }, /temperature must be a number/],
      ['set_timer', {}, /seconds is required/],
      ['set_timer', { seconds: 1.5 }, /seconds must be a whole number/],
      ['announce', { text: 'x'.repeat(501) }, /text is too long/],
      ['remember', { fact: 'a' }, /memory is turned off/],
      ['fly', {}, /there is no tool called fly/],
    ];
    for (const [name, args, message] of bad) {
      expect(await runTool(call(name, args), r.actions), name).toMatch(message);
    }
    expect(r.intents).toEqual([]);
  });
});
