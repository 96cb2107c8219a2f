import mqtt from 'mqtt';

/** A simulated MQTT light: obeys "ON"/"OFF" on its command topic and reports state, retained. */
export class SimulatedLight {
  state: 'ON' | 'OFF' = 'OFF';
  readonly received: { topic: string; payload: string; at: number }[] = [];
  private readonly listeners: ((payload: string) => void)[] = [];

  private constructor(
    private readonly client: mqtt.MqttClient,
    readonly commandTopic: string,
    readonly stateTopic: string,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== commandTopic) return;
      const text = payload.toString();
      this.received.push({ topic, payload: text, at: Date.now() });
      if (text === 'ON' || text === 'OFF') {
        this.state = text;
        void client.publishAsync(stateTopic, text, { qos: 1, retain: true });
      }
      for (const l of this.listeners) l(text);
    });
  }

  static async connect(options: {
    url: string;
    username: string;
    password: string;
    commandTopic: string;
    stateTopic: string;
  }): Promise<SimulatedLight> {
    const client = await mqtt.connectAsync(options.url, {
      username: options.username,
      password: options.password,
      reconnectPeriod: 0,
    });
    await client.subscribeAsync(options.commandTopic, { qos: 1 });
    const light = new SimulatedLight(client, options.commandTopic, options.stateTopic);
    await client.publishAsync(options.stateTopic, light.state, { qos: 1, retain: true });
    return light;
  }

  /** Someone used the wall switch: the light reports its new state. */
  async report(state: 'ON' | 'OFF'): Promise<void> {
    this.state = state;
    await this.client.publishAsync(this.stateTopic, state, { qos: 1, retain: true });
  }

  onCommand(listener: (payload: string) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
