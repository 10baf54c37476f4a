// A raw mqtt.js client for tests that must act as a device or an observer at the wire level.

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { matchesFilter } from '../../gateway/src/contract/topics.js';

/** Connects, or rejects with the broker's refusal (bad credentials) instead of reconnecting. */
export function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

export function deviceLogin(site: string, device: string, password: string, clientId?: string): IClientOptions {
  return { username: `${site}/${device}`, password, clientId: clientId ?? `${site}-${device}-${Math.random().toString(36).slice(2, 8)}` };
}

/** Collects messages on a filter; `next()` waits for the next one matching `predicate`. */
export async function collect(client: MqttClient, filter: string): Promise<{ messages: { topic: string; payload: Buffer; retain: boolean }[] }> {
  const messages: { topic: string; payload: Buffer; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => {
    if (matchesFilter(filter, topic)) messages.push({ topic, payload, retain: packet.retain });
  });
  // mqtt.js rejects by itself when the broker refuses the subscription (SUBACK 0x80).
  await client.subscribeAsync(filter, { qos: 1 });
  return { messages };
}
