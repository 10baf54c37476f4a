// Benchmark of the embedded broker's live account index (broker/src/account-index.ts) at fleet
// size: heap per device account, the lookup every CONNECT makes, building it at start, and
// following a one-device edit and a 10 000-device import while it holds 100 000 devices.
// Run: npm run build && node --expose-gc dist/bench/account-index.js [--devices N --out FILE|-]

import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AccountIndex, type AccountSite, type DeviceAccount } from '../broker/src/account-index.js';
import { findGc, machineInfo, writeResult, type BenchResult } from './results.js';

const DEVICES_PER_SITE = 10; // a restaurant kitchen: detectors, a valve, a fan
const LOOKUPS = 1_000_000;
const EDITS = 200;

/** A hash of the shape config/schema.ts accepts, distinct per device (the index never runs scrypt). */
function fakeHash(i: number): string {
  const salt = Buffer.alloc(16, i % 251).toString('base64');
  const key = Buffer.alloc(32);
  key.writeUInt32BE(i);
  return `scrypt$16384$8$1$${salt}$${key.toString('base64')}`;
}

function fakeKey(i: number): string {
  return i.toString(16).padStart(64, '0');
}

function fleetOf(devices: number, signed: boolean, offset = 0): AccountSite[] {
  const sites: AccountSite[] = [];
  for (let s = 0; s * DEVICES_PER_SITE < devices; s++) {
    const list: DeviceAccount[] = [];
    for (let d = 0; d < DEVICES_PER_SITE && s * DEVICES_PER_SITE + d < devices; d++) {
      const i = offset + s * DEVICES_PER_SITE + d;
      list.push(signed ? { id: `dev-${d}`, auth: 'signed', loginKey: fakeKey(i) } : { id: `dev-${d}`, passwordHash: fakeHash(i) });
    }
    sites.push({ id: `site-${offset + s}`, devices: list });
  }
  return sites;
}

/** Heap the index itself adds (the fleet's strings already exist: the registry holds them). */
function bytesPerDevice(sites: AccountSite[], devices: number): number | string {
  const { gc } = findGc();
  if (gc === null) return 'n/a';
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const index = AccountIndex.from({ sites });
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (index.size !== devices) throw new Error(`index holds ${index.size}, expected ${devices}`);
  return Math.round((after - before) / devices);
}

/** Usernames as a CONNECT parser makes them: fresh strings decoded from bytes, hash not yet computed. */
function connectNames(devices: number, count: number, unknownEvery: number): string[] {
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    const i = (n * 7919) % devices;
    const site = n % unknownEvery === 0 ? 'site-gone' : `site-${Math.floor(i / DEVICES_PER_SITE)}`;
    names.push(Buffer.from(`${site}/dev-${i % DEVICES_PER_SITE}`).toString('utf8'));
  }
  return names;
}

function nsPerLookup(index: AccountIndex, names: string[]): { ns: number; found: number } {
  let found = 0;
  const t0 = process.hrtime.bigint();
  for (const name of names) if (index.lookup(name) !== undefined) found++;
  const ns = Number(process.hrtime.bigint() - t0) / names.length;
  return { ns, found };
}

function ms(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e4) / 100;
}

export function runAccountIndexBench(opts: { devices?: number; outFile?: string | null } = {}): BenchResult {
  const devices = opts.devices ?? 100_000;
  const staticSites = fleetOf(devices, false);
  const signedSites = fleetOf(devices, true);
  const staticBytes = bytesPerDevice(staticSites, devices);
  const signedBytes = bytesPerDevice(signedSites, devices);

  let t = process.hrtime.bigint();
  const index = AccountIndex.from({ sites: staticSites });
  const buildMs = ms(t);

  const names = connectNames(devices, LOOKUPS, 10);
  nsPerLookup(index, names.slice(0, 100_000)); // warm the JIT
  const lookup = nsPerLookup(index, connectNames(devices, LOOKUPS, 10));

  // One device's password changed through the API, 200 times on different sites: a change of its site each.
  const editMs: number[] = [];
  let rekeyed = 0;
  for (let e = 0; e < EDITS; e++) {
    const site = staticSites[(e * 37) % staticSites.length]!;
    const edited: AccountSite = { ...site, devices: site.devices.map((d, k) => (k === 3 ? { ...d, passwordHash: fakeHash(devices + e) } : d)) };
    t = process.hrtime.bigint();
    rekeyed += index.applySites([{ before: site, after: edited }]).rekeyed.length;
    editMs.push(ms(t));
    staticSites[(e * 37) % staticSites.length] = edited;
  }
  editMs.sort((a, b) => a - b);

  // An import of 10 000 devices in 1 000 new sites: one commit, one call.
  const imported = fleetOf(10_000, false, devices);
  t = process.hrtime.bigint();
  const many = index.applySites(imported.map((after) => ({ before: undefined, after })));
  const importMs = ms(t);
  if (rekeyed !== EDITS || many.added.length !== 10_000) throw new Error('applySites moved the wrong accounts');

  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const result: BenchResult = {
    devices,
    bytes_per_static_device: staticBytes,
    bytes_per_signed_device: signedBytes,
    lookup_ns: r3(lookup.ns),
    lookups: LOOKUPS,
    lookup_unknown_share: 0.1,
    build_ms: buildMs,
    apply_one_edit_ms_p50: editMs[Math.floor(EDITS / 2)]!,
    apply_one_edit_ms_max: editMs[EDITS - 1]!,
    apply_import_10000_ms: importMs,
    gc: findGc().how,
    machine: machineInfo().machine,
    node: machineInfo().node,
    load_avg_1m: r3(loadavg()[0] ?? NaN),
    at: new Date().toISOString(),
  };
  writeResult(opts.outFile, 'bench/results/account-index.json', result);
  return result;
}

function main(): void {
  const { values } = parseArgs({ options: { devices: { type: 'string' }, out: { type: 'string' } } });
  const r = runAccountIndexBench({
    ...(values.devices !== undefined ? { devices: Number(values.devices) } : {}),
    ...(values.out !== undefined ? { outFile: values.out === '-' ? null : values.out } : {}),
  });
  console.log(
    `account index, ${r.devices} devices: ${r.bytes_per_static_device} B/static device, ${r.bytes_per_signed_device} B/signed device, ` +
      `lookup ${r.lookup_ns} ns, built in ${r.build_ms} ms, one edit p50 ${r.apply_one_edit_ms_p50} ms (max ${r.apply_one_edit_ms_max}), 10 000-device import ${r.apply_import_10000_ms} ms (${r.machine})`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
