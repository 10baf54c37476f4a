// The observing half of the pipeline benchmark, run in a child process (pipeline-spawn.ts): the
// gas shut-off valves of the leak sites, each an mqtt.js device subscribed to its `cmd` topic that
// notes when the close command arrives and acknowledges it on `cmd/ack` (the simulator valve's
// contract: simulators/src/devices/valve.ts, without its 200 ms of motor travel, which is not the
// gateway's time), and optionally a dashboard client on the SSE stream noting each red alarm.

import type * as Mqtt from 'mqtt';

export interface ValveSpec {
  readonly site: string;
  readonly username: string;
  readonly clientId: string;
  readonly cmdTopic: string;
  readonly ackTopic: string;
}

export interface ValvesInput {
  readonly url: string;
  readonly password: string;
  readonly valves: readonly ValveSpec[];
  /** `http://…/api/v1/stream?access_token=…`, or null when there is no stream to watch. */
  readonly sseUrl: string | null;
}

export interface ValvesOutput {
  readonly type: 'done';
  readonly error?: string;
  /** site → hrtime (ms) the first command arrived. */
  readonly cmdAtMs: Record<string, number>;
  /** site → hrtime (ms) the first red alarm event arrived on the stream. */
  readonly sseAtMs: Record<string, number>;
  readonly commands: number;
  readonly sseEvents: number;
}

export function valvesChild(mqtt: typeof Mqtt, input: ValvesInput): void {
  const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
  const cmdAtMs: Record<string, number> = {};
  const sseAtMs: Record<string, number> = {};
  let commands = 0;
  let sseEvents = 0;
  const clients: Mqtt.MqttClient[] = [];

  function startValve(v: ValveSpec): Promise<void> {
    return new Promise((resolve, reject) => {
      const c = mqtt.connect(input.url, { protocolVersion: 4, clientId: v.clientId, username: v.username, password: input.password, clean: true, reconnectPeriod: 0, connectTimeout: 60_000, keepalive: 300 });
      clients.push(c);
      c.on('message', (_topic, payload) => {
        const at = nowMs();
        commands++;
        if (cmdAtMs[v.site] === undefined) cmdAtMs[v.site] = at;
        let id = '';
        try {
          id = String((JSON.parse(payload.toString('utf8')) as { id?: unknown }).id ?? '');
        } catch {
          return; // not a command: nothing to acknowledge
        }
        c.publish(v.ackTopic, JSON.stringify({ id, ok: true, state: 'closed', ts: Date.now() }), { qos: 1 });
      });
      c.once('error', reject);
      c.once('connect', () => {
        c.subscribe(v.cmdTopic, { qos: 1 }, (err, granted) => {
          if (err) return reject(err);
          if (granted?.[0]?.qos === 128) return reject(new Error(`subscription to ${v.cmdTopic} refused`));
          resolve();
        });
      });
    });
  }

  async function startStream(url: string): Promise<void> {
    const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
    if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = nowMs();
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (event !== 'alarm' || data === '') continue;
          sseEvents++;
          const body = JSON.parse(data) as { alarm?: { site?: string; level?: string } };
          const site = body.alarm?.site;
          if (site !== undefined && body.alarm?.level === 'red' && sseAtMs[site] === undefined) sseAtMs[site] = at;
        }
      }
    })().catch(() => {
      // The gateway closing the stream at the end of the run ends this loop; nothing to report.
    });
  }

  async function run(): Promise<void> {
    for (let i = 0; i < input.valves.length; i += 100) await Promise.all(input.valves.slice(i, i + 100).map(startValve));
    if (input.sseUrl) await startStream(input.sseUrl);
    process.send!({ type: 'connected' });
    await new Promise<void>((resolve) => process.once('message', () => resolve()));
    const out: ValvesOutput = { type: 'done', cmdAtMs, sseAtMs, commands, sseEvents };
    process.send!(out, () => process.exit(0));
  }

  run().catch((err: unknown) => process.send!({ type: 'done', error: String((err as Error)?.stack ?? err) }, () => process.exit(1)));
}
