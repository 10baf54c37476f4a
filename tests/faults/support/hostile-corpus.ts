// The corpus of known-bad payloads: every file under tests/fixtures/payloads/bad/, read the way
// the contract's unit test reads them (payload, payloadBase64 or generate, plus the reason), to be
// replayed through the real broker. Their timestamps are written against FIXTURE_NOW_MS.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RejectReason } from '../../../gateway/src/contract/telemetry.js';
import type { BadMessage } from './hostile-generators.js';

/** The gateway clock every fixture is written against (tests/unit/contract/telemetry.test.ts). */
export const FIXTURE_NOW_MS = Date.parse('2026-11-22T08:00:00Z');

const BAD = fileURLToPath(new URL('../../fixtures/payloads/bad/', import.meta.url));

interface Fixture {
  readonly payload?: string;
  readonly padToBytes?: number;
  readonly payloadBase64?: string;
  readonly generate?: { readonly kind: 'repeat'; readonly char: string; readonly bytes: number };
  readonly reason?: RejectReason;
}

function bytesOf(name: string, f: Fixture): Buffer {
  if (f.payloadBase64 !== undefined) return Buffer.from(f.payloadBase64, 'base64');
  if (f.generate !== undefined) {
    if (f.generate.kind !== 'repeat') throw new Error(`${name}: unknown generate kind ${String(f.generate.kind)}`);
    return Buffer.from(f.generate.char.repeat(f.generate.bytes), 'utf8');
  }
  if (f.payload === undefined) throw new Error(`${name}: needs payload, payloadBase64 or generate`);
  const text = Buffer.from(f.payload, 'utf8');
  if (f.padToBytes === undefined) return text;
  const padded = Buffer.alloc(f.padToBytes, 0x20);
  text.copy(padded);
  return padded;
}

/** Every bad fixture as a message with the reason it must be dead-lettered with. */
export function badCorpus(): BadMessage[] {
  return readdirSync(BAD)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.json$/, '');
      const fixture = JSON.parse(readFileSync(BAD + file, 'utf8')) as Fixture;
      if (fixture.reason === undefined) throw new Error(`${name}: a bad fixture needs a reason`);
      return { cls: `corpus:${name}`, reason: fixture.reason, payload: bytesOf(name, fixture) };
    });
}
