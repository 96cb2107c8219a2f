import { describe, expect, it } from 'vitest';
import { compileValueTemplate, renderValueTemplate } from './value-template.js';

const TASMOTA_STATE = JSON.stringify({ Time: '2024-05-01T10:00:00', POWER: 'ON', Dimmer: 40 });
const Z2M_STATE = JSON.stringify({
  state: 'OFF',
  brightness: 153,
  color: { x: 0.3, y: 0.31 },
  occupancy: true,
  battery: null,
  temperature: 21.456,
  readings: [1.5, 2.5],
  'linkquality-raw': 87,
});

describe('value templates', () => {
  it('renders-the-payload-for-value', () => {
    expect(renderValueTemplate('{{ value }}', 'ON')).toBe('ON');
    expect(renderValueTemplate('{{value}}', ' open ')).toBe(' open ');
  });

  it('reads-a-top-level-key-with-or-without-spaces', () => {
    expect(renderValueTemplate('{{value_json.POWER}}', TASMOTA_STATE)).toBe('ON');
    expect(renderValueTemplate('{{ value_json.POWER }}', TASMOTA_STATE)).toBe('ON');
    expect(renderValueTemplate('  {{ value_json.Dimmer }}  ', TASMOTA_STATE)).toBe('40');
  });

  it('reads-nested-keys', () => {
    expect(renderValueTemplate('{{ value_json.color.x }}', Z2M_STATE)).toBe('0.3');
  });

  it('reads-bracketed-keys-and-indexes', () => {
    expect(renderValueTemplate("{{ value_json['state'] }}", Z2M_STATE)).toBe('OFF');
    expect(renderValueTemplate('{{ value_json["linkquality-raw"] }}', Z2M_STATE)).toBe('87');
    expect(renderValueTemplate("{{ value_json['color'].y }}", Z2M_STATE)).toBe('0.31');
    expect(renderValueTemplate('{{ value_json.readings[1] }}', Z2M_STATE)).toBe('2.5');
  });

  it('renders-booleans-and-null-as-jinja-does', () => {
    // HA turns `payload_on: true` into "True", so this is what must come out to match.
    expect(renderValueTemplate('{{ value_json.occupancy }}', Z2M_STATE)).toBe('True');
    expect(renderValueTemplate('{{ value_json.battery }}', Z2M_STATE)).toBe('None');
  });

  it('applies-upper-and-lower', () => {
    expect(renderValueTemplate('{{ value | upper }}', 'on')).toBe('ON');
    expect(renderValueTemplate('{{ value_json.state | lower }}', Z2M_STATE)).toBe('off');
  });

  it('applies-int-and-float', () => {
    expect(renderValueTemplate('{{ value | int }}', '21.7')).toBe('21');
    expect(renderValueTemplate('{{ value_json.brightness | float }}', Z2M_STATE)).toBe('153.0');
    expect(renderValueTemplate('{{ value | float }}', '21.5')).toBe('21.5');
  });

  it('applies-round-with-and-without-precision', () => {
    expect(renderValueTemplate('{{ value_json.temperature | round(1) }}', Z2M_STATE)).toBe('21.5');
    expect(renderValueTemplate('{{ value_json.temperature | round(2) }}', Z2M_STATE)).toBe('21.46');
    // HA's round gives an int at precision 0.
    expect(renderValueTemplate('{{ value_json.temperature | round }}', Z2M_STATE)).toBe('21');
    expect(renderValueTemplate('{{ value | round(0) }}', '2.5')).toBe('3');
    expect(renderValueTemplate('{{ value | round(1) }}', '20')).toBe('20.0');
  });

  it('chains-filters-left-to-right', () => {
    expect(renderValueTemplate('{{ value | float | round(1) }}', '19.96')).toBe('20.0');
    expect(renderValueTemplate('{{ value_json.state|lower|upper }}', Z2M_STATE)).toBe('OFF');
  });

  it('gives-undefined-when-the-value-is-missing-or-unreadable', () => {
    expect(renderValueTemplate('{{ value_json.nope }}', Z2M_STATE)).toBeUndefined();
    expect(renderValueTemplate('{{ value_json.state.deeper }}', Z2M_STATE)).toBeUndefined();
    expect(renderValueTemplate('{{ value_json.readings[9] }}', Z2M_STATE)).toBeUndefined();
    expect(renderValueTemplate('{{ value_json.POWER }}', 'ON')).toBeUndefined(); // not JSON
    expect(renderValueTemplate('{{ value_json.color }}', Z2M_STATE)).toBeUndefined(); // an object
    expect(renderValueTemplate('{{ value | int }}', 'warm')).toBeUndefined();
  });

  it('rejects-templates-outside-the-subset', () => {
    const unsupported = [
      '{{ value_json.state if value_json.state else "OFF" }}',
      "{{ 'ON' if value == '1' else 'OFF' }}",
      '{% if value == "1" %}ON{% endif %}',
      '{{ value_json.temperature * 10 }}',
      '{{ value_json.temperature | round(1, "floor") }}',
      '{{ value_json.x | default(0) }}',
      '{{ value_json.state }} lux',
      '{{ value_json.a }}{{ value_json.b }}',
      '{{ value.x }}',
      '{{ states("sensor.x") }}',
      '{{ value | int(0, 16) }}',
      'value_json.state',
      '',
    ];
    for (const t of unsupported) expect(compileValueTemplate(t), t).toBeUndefined();
  });

  it('never-executes-code-or-reaches-prototypes', () => {
    const g = globalThis as { pwned?: boolean };
    const hostile = [
      '{{ value_json.constructor }}',
      '{{ value_json.__proto__ }}',
      '{{ value_json.toString }}',
      '{{ globalThis.pwned = true }}',
      '{{ process.exit(1) }}',
      '{{ value_json.x; globalThis.pwned = true }}',
      '{{ value_json[(() => { globalThis.pwned = true })()] }}',
      "{{ ''.__class__.__mro__ }}",
    ];
    for (const t of hostile) expect(renderValueTemplate(t, '{"x": 1}'), t).toBeUndefined();
    expect(g.pwned).toBeUndefined();
    // A key that JSON itself calls __proto__ is plain data, and reading it pollutes nothing.
    const own = '{"__proto__": {"polluted": "yes"}}';
    expect(renderValueTemplate("{{ value_json['__proto__'].polluted }}", own)).toBe('yes');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('compiles-once-and-renders-many-payloads', () => {
    const t = compileValueTemplate('{{ value_json.POWER }}');
    expect(t?.('{"POWER":"ON"}')).toBe('ON');
    expect(t?.('{"POWER":"OFF"}')).toBe('OFF');
  });
});
