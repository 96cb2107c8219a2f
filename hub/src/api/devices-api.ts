/**
 * Devices for the dashboard: `GET /v1/devices` (configured and discovered, with what each can do
 * and its last reported state) and `POST /v1/devices/:id/command` (on, off, toggle, brightness),
 * published on MQTT exactly as a spoken command would be, and audited.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AuditLog } from '../audit/audit-log.js';
import { actorOf } from '../auth/user-auth.js';
import { brightnessCommand, type CapableDevice, type MqttCommand } from '../devices/commands.js';
import type { DiscoveredState } from '../devices/discovery-state.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { AppError } from '../errors.js';
import type { MqttBus } from '../mqtt/bus.js';
import { principalOf, type AuthHook } from './request-auth.js';

export interface DeviceView {
  id: string;
  name: string;
  room: string;
  kind: 'light' | 'switch' | 'climate' | 'cover' | 'other';
  source: 'config' | 'discovered';
  capabilities: {
    onOff: boolean;
    brightness: boolean;
    color: boolean;
    temperature: { min: number; max: number } | null;
    position: boolean;
  };
  state: { on?: boolean; brightness?: number; temperature?: number; position?: number } | null;
}

const KINDS: Readonly<Record<string, DeviceView['kind']>> = {
  light: 'light',
  switch: 'switch',
  fan: 'switch',
  climate: 'climate',
  cover: 'cover',
};

export function deviceView(
  d: CapableDevice,
  registry: DeviceRegistry,
  discovered: ((id: string) => DiscoveredState | undefined) | undefined,
): DeviceView {
  const configured = d.component === undefined;
  const rich = configured ? undefined : discovered?.(d.id);
  const power = registry.stateOf(d.id);
  const state: NonNullable<DeviceView['state']> = {};
  if (power !== undefined) state.on = power === 'ON';
  if (rich?.brightnessPercent !== undefined) state.brightness = rich.brightnessPercent;
  if (rich?.targetTemperature !== undefined) state.temperature = rich.targetTemperature;
  if (rich?.positionPercent !== undefined) state.position = rich.positionPercent;
  const t = d.temperature;
  return {
    id: d.id,
    name: d.name,
    room: d.room,
    // A configured device is a light unless its name says otherwise; the config has no kind.
    kind: configured
      ? /light|lamp/i.test(d.name)
        ? 'light'
        : 'switch'
      : (KINDS[d.component ?? ''] ?? 'other'),
    source: configured ? 'config' : 'discovered',
    capabilities: {
      onOff: d.commandTopic !== undefined,
      brightness: d.brightness !== undefined,
      color: d.color !== undefined,
      temperature: t ? { min: t.min ?? 7, max: t.max ?? 35 } : null,
      position: d.position !== undefined,
    },
    state: Object.keys(state).length > 0 ? state : null,
  };
}

const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\w./:@-]+$' }) },
  { additionalProperties: false },
);
const CommandBody = Type.Union([
  Type.Object(
    { action: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('toggle')]) },
    { additionalProperties: false },
  ),
  Type.Object(
    { brightness: Type.Integer({ minimum: 0, maximum: 100 }) },
    { additionalProperties: false },
  ),
]);

export async function registerDevicesApi<L extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, L>,
  options: {
    readonly authenticate: AuthHook;
    readonly registry: DeviceRegistry;
    readonly discovered: ((id: string) => DiscoveredState | undefined) | undefined;
    readonly bus: MqttBus;
    readonly audit: AuditLog;
  },
): Promise<void> {
  const { registry, discovered, bus, audit } = options;
  await app.register(async (scope) => {
    scope.addHook('onRequest', options.authenticate);
    scope.get('/v1/devices', async () => ({
      devices: registry.devices.map((d) => deviceView(d, registry, discovered)),
    }));
    scope.post<{ Params: Static<typeof IdParams>; Body: Static<typeof CommandBody> }>(
      '/v1/devices/:id/command',
      { schema: { params: IdParams, body: CommandBody } },
      async (req, reply) => {
        const device = registry.find(req.params.id);
        if (!device) throw new AppError('not-found', `no device "${req.params.id}"`);
        const command = commandFor(device, req.body, registry);
        const record = (outcome: 'ok' | 'failed') =>
          audit.record({
            action: 'device-command',
            outcome,
            actor: actorOf(principalOf(req)),
            target: device.id,
            ip: req.ip,
            details: { topic: command.topic, payload: command.payload, via: 'api' },
          });
        try {
          await bus.publish(command.topic, command.payload, { qos: 1 });
        } catch (err) {
          await record('failed');
          throw new AppError('action-failed', 'the MQTT broker did not take the command', true, {
            cause: err,
          });
        }
        await record('ok');
        return reply.status(202).send(command);
      },
    );
  });
}

function commandFor(
  d: CapableDevice,
  body: Static<typeof CommandBody>,
  registry: DeviceRegistry,
): MqttCommand {
  if ('brightness' in body) {
    const command = brightnessCommand(d, body.brightness);
    if (!command) throw new AppError('conflict', `"${d.name}" has no brightness`);
    return command;
  }
  if (d.commandTopic === undefined)
    throw new AppError('conflict', `"${d.name}" cannot be switched on or off`);
  const on = body.action === 'toggle' ? registry.stateOf(d.id) !== 'ON' : body.action === 'on';
  return { topic: d.commandTopic, payload: on ? (d.payloadOn ?? 'ON') : (d.payloadOff ?? 'OFF') };
}
