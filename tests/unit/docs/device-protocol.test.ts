// docs/device-protocol.md is what device vendors build against: every topic and payload it shows
// must be what the contract accepts, and its signed-login recipe must give what the broker checks.
// Read from the document itself, so an edit to either side that drifts fails here.

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandAckSchema, commandSchema, siteOrderSchema, statusSchema } from '../../../gateway/src/contract/command.js';
import { decodeTelemetryObject } from '../../../gateway/src/contract/telemetry.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/device-protocol.md', import.meta.url)), 'utf8');
const topics = makeTopics('shaobing');

/** Contents of the fenced blocks with the given info string ('' for plain blocks). */
function blocks(info: string): string[] {
  const found: string[] = [];
  let open: { info: string; lines: string[] } | null = null;
  for (const line of DOC.split('\n')) {
    if (!line.startsWith('```')) {
      open?.lines.push(line);
    } else if (open === null) {
      open = { info: line.slice(3).trim(), lines: [] };
    } else {
      if (open.info === info) found.push(open.lines.join('\n'));
      open = null;
    }
  }
  return found;
}

/** `topic {json}` lines as mosquitto_sub -v prints them, from every plain block. */
function sessionLines(): { topic: string; payload: string }[] {
  return blocks('')
    .flatMap((b) => b.split('\n'))
    .map((line) => /^(shaobing\/\S+) (\{.*\})$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ topic: m[1]!, payload: m[2]! }));
}

function schemaFor(kind: string) {
  switch (kind) {
    case 'status':
      return statusSchema;
    case 'cmd':
      return commandSchema;
    case 'cmd_ack':
      return commandAckSchema;
    case 'order':
      return siteOrderSchema;
    default:
      return null;
  }
}

describe('docs/device-protocol.md', () => {
  it('shows a session whose every topic parses and every payload passes its schema', () => {
    const lines = sessionLines();
    expect(lines.length).toBeGreaterThanOrEqual(17);
    const kinds = new Set<string>();
    for (const { topic, payload } of lines) {
      const parsed = topics.parse(topic);
      expect(parsed.ok, topic).toBe(true);
      if (!parsed.ok) continue;
      kinds.add(parsed.topic.kind);
      const json: unknown = JSON.parse(payload);
      if (parsed.topic.kind === 'telemetry') {
        const ts = (json as { ts: number }).ts;
        expect(decodeTelemetryObject(json, ts), payload).toMatchObject({ ok: true });
      } else if (parsed.topic.kind === 'deadletter') {
        expect(Object.keys(json as object)).toEqual(['reason', 'detail', 'topic', 'receivedAt', 'payload']);
      } else {
        const schema = schemaFor(parsed.topic.kind);
        expect(schema, topic).not.toBeNull();
        expect(schema!.safeParse(json).success, payload).toBe(true);
      }
    }
    expect([...kinds].sort()).toEqual(['cmd', 'cmd_ack', 'deadletter', 'order', 'status', 'telemetry']);
  });

  it('gives JSON examples that the contract accepts', () => {
    const examples = blocks('json').map((b) => JSON.parse(b) as Record<string, unknown>);
    expect(examples.length).toBeGreaterThanOrEqual(6);
    for (const ex of examples) {
      if ('readings' in ex) expect(decodeTelemetryObject(ex, ex.ts as number)).toMatchObject({ ok: true });
      else if ('action' in ex) expect(commandSchema.safeParse(ex).success).toBe(true);
      else if ('ok' in ex) expect(commandAckSchema.safeParse(ex).success).toBe(true);
      else if ('orderId' in ex) expect(siteOrderSchema.safeParse(ex).success).toBe(true);
      else if ('reason' in ex && 'receivedAt' in ex) expect(typeof ex.detail).toBe('string');
      else expect(statusSchema.safeParse(ex).success, JSON.stringify(ex)).toBe(true);
    }
  });

  it('documents a loginKey that the broker derives from the named secret', () => {
    const documented = /loginKey: ([0-9a-f]{64})\s+# from the secret (\S+)/.exec(DOC);
    expect(documented).not.toBeNull();
    expect(deriveLoginKey(documented![2]!, 'kitchen-01/gas-02').toString('hex')).toBe(documented![1]);
  });

  it('spells the signed password the way signLogin makes it', () => {
    // The recipe as the document writes it, step by step, against the broker's own function.
    const loginKey = deriveLoginKey('gas-02-factory-secret', 'kitchen-01/gas-02');
    const [username, clientId, atMs, nonce] = ['kitchen-01/gas-02', 'kitchen-01-gas-02', 1796682498706, 'cd1990b4a755bf41a0ecde40'];
    const mac = createHmac('sha256', loginKey).update(`${username}|${clientId}|${atMs}|${nonce}`).digest('hex');
    expect(`v1:${atMs}:${nonce}:${mac}`).toBe(signLogin({ loginKey, username, clientId, atMs, nonce }));
    expect(DOC).toContain('"shaobing/mqtt-login/v1|" + username');
    expect(DOC).toContain('username + "|" + clientId + "|" + unixMs + "|" + nonce');
  });
});
