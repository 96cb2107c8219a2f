/**
 * Who may do what on the embedded broker. Every client authenticates as one identity: a user
 * from the config (a bridge like Zigbee2MQTT or Home Assistant, whole-broker unless the config
 * narrows it), a device credential made in the API, or a satellite with its own signed token;
 * each may publish and subscribe only within its topic filters.
 */
import { topicMatches } from './bus.js';

export interface MqttIdentity {
  /** For logs and the audit: `user:<name>`, `device:<name>`, `satellite:<id>`. */
  readonly name: string;
  /** Topic filters it may publish to; `#` is everything. */
  readonly publish: readonly string[];
  /** Topic filters it may subscribe within. */
  readonly subscribe: readonly string[];
  /**
   * Client ids it must use (this, or this followed by "-…"); config users (trusted bridges)
   * have none.
   */
  readonly clientIdPrefix?: string;
}

/** Works out a connecting client's identity; undefined refuses it. */
export type MqttIdentify = (
  username: string,
  password: Buffer,
) => Promise<MqttIdentity | undefined>;

export function mayPublish(identity: MqttIdentity, topic: string): boolean {
  // A client publishing to a wildcard or a $SYS topic is a protocol error or a probe.
  if (topic.includes('+') || topic.includes('#') || topic.startsWith('$')) return false;
  return identity.publish.some((f) => topicMatches(f, topic));
}

/**
 * Whether every topic `requested` can match is inside one of the identity's filters: "home/#"
 * allows "home/kitchen/+" but not "#" or "+/kitchen".
 */
export function maySubscribe(identity: MqttIdentity, requested: string): boolean {
  if (requested.startsWith('$')) return false;
  return identity.subscribe.some((allowed) => within(requested, allowed));
}

function within(requested: string, allowed: string): boolean {
  const r = requested.split('/');
  const a = allowed.split('/');
  for (let i = 0; i < r.length; i++) {
    if (a[i] === '#') return true;
    if (a[i] === undefined) return false;
    if (r[i] === '#') return false; // broader than any single level or literal
    if (a[i] === '+') continue; // a literal or "+" fits in "+"
    if (r[i] !== a[i]) return false; // "+" against a literal is broader
  }
  return r.length === a.length;
}

/** A satellite's own topics: `jarvis/v1/satellite/<id>/…`, nothing of any other. */
export function satelliteIdentity(id: string, prefix: string): MqttIdentity {
  const own = `${prefix}/${id}/#`;
  return { name: `satellite:${id}`, publish: [own], subscribe: [own], clientIdPrefix: id };
}

/** Tries each way of identifying a client in turn; the first that knows it wins. */
export function firstIdentity(...ways: readonly MqttIdentify[]): MqttIdentify {
  return async (username, password) => {
    for (const identify of ways) {
      const identity = await identify(username, password);
      if (identity) return identity;
    }
    return undefined;
  };
}

/** Satellites log in with their id and a token signed by their own key (as on the WebSocket). */
export function satelliteLogin(
  verify: (token: string) => Promise<{ id: string }>,
  prefix: string,
): MqttIdentify {
  return async (username, password) => {
    const token = password.toString('utf8');
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return undefined;
    try {
      const sat = await verify(token);
      return sat.id === username ? satelliteIdentity(sat.id, prefix) : undefined;
    } catch {
      return undefined;
    }
  };
}

/** A valid MQTT topic filter a client may be given: levels, "+" alone, "#" alone and last. */
export function isTopicFilter(filter: string): boolean {
  if (filter === '' || filter.length > 256 || filter.startsWith('$')) return false;
  const levels = filter.split('/');
  return levels.every(
    (l, i) =>
      (l === '#' && i === levels.length - 1) || l === '+' || (!l.includes('#') && !l.includes('+')),
  );
}
