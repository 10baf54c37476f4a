// `shaobing sites put|remove`, `shaobing regions put|list|remove` and `shaobing organisations
// put|list|remove`: the fleet's sites, region tree and organisations changed in the running gateway through its API (cli-api.ts), which checks, audits and
// applies each change live. Refusals are printed one line per field and the exit is 1.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { callApi, cliApi, refusalLines, type CliApi } from './cli-api.js';
import { parseCommandArgs } from './cli-args.js';
import type { CliOutput } from './token-cli.js';

const CONNECTION = `  --api URL: the gateway's API (else api.publicUrl or api.host:api.port of --config FILE);
  --token T: an admin API token (else $SHAOBING_TOKEN).`;

export const SITES_USAGE = `Usage: shaobing sites put FILE.yaml|FILE.json [--api URL] [--token T] [--config FILE]
       shaobing sites remove ID [--with-devices] [--api URL] [--token T] [--config FILE]
  put: creates or changes each site of FILE (one site, a list, or a document with sites:) in the
  running gateway; its devices stay (devices are added with shaobing devices import, each with its
  own secret). remove: a site with devices needs --with-devices, as its detectors stop being watched.
${CONNECTION}`;

export const REGIONS_USAGE = `Usage: shaobing regions put FILE.yaml|FILE.json [--api URL] [--token T] [--config FILE]
       shaobing regions list [--api URL] [--token T] [--config FILE]
       shaobing regions remove ID [--api URL] [--token T] [--config FILE]
  put: creates or changes each region of FILE (one region, a list, or a document with regions:),
  parents first: {id, name, level: province|city|county|town|grid, parent?, officers: [...]}.
  list: the tree with each node's sites and active alarms. remove: refused while sites or child
  regions name it.
${CONNECTION}`;

export const ORGANISATIONS_USAGE = `Usage: shaobing organisations put FILE.yaml|FILE.json [--api URL] [--token T] [--config FILE]
       shaobing organisations list | remove ID [--api URL] [--token T] [--config FILE]
  put: creates or renames each organisation of FILE ({id, name}, a list, or a document with
  organisations:). remove: refused while sites name it.
${CONNECTION}`;

type Kind = 'sites' | 'regions' | 'organisations';
const USAGE: Record<Kind, string> = { sites: SITES_USAGE, regions: REGIONS_USAGE, organisations: ORGANISATIONS_USAGE };
const NOUN: Record<Kind, string> = { sites: 'site', regions: 'region', organisations: 'organisation' };

export async function fleetCommand(kind: Kind, argv: string[], apiUrlOf: (configFile: string | undefined) => string, io: CliOutput, env: { readonly SHAOBING_TOKEN?: string | undefined }): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(USAGE[kind]);
    return sub === undefined ? 2 : 0;
  }
  const parsed = parseCommandArgs(`shaobing ${kind}`, USAGE[kind], rest, { api: { type: 'string' }, token: { type: 'string' }, config: { type: 'string' }, ...(kind === 'sites' ? { 'with-devices': { type: 'boolean', default: false } } : {}) }, io);
  if (parsed === 2) return 2;
  const { values, positionals } = parsed;
  const wanted = sub === 'list' ? 0 : 1;
  if (!['put', 'remove', ...(kind !== 'sites' ? ['list'] : [])].includes(sub) || positionals.length !== wanted) {
    io.err(`shaobing ${kind}: unknown or incomplete command ${JSON.stringify([sub, ...positionals].join(' '))}\n\n${USAGE[kind]}`);
    return 2;
  }
  const api = cliApi(values as { api?: string; token?: string; config?: string }, apiUrlOf, env, `shaobing ${kind} ${sub}`);
  if (typeof api === 'string') {
    io.err(api);
    return 2;
  }
  if (sub === 'list') return kind === 'regions' ? listRegions(api, io) : listOrganisations(api, io);
  if (sub === 'remove') {
    const id = positionals[0]!;
    const query = kind === 'sites' && (values as { 'with-devices'?: boolean })['with-devices'] ? '?withDevices=true' : '';
    return remove(api, `/${kind}/${encodeURIComponent(id)}${query}`, `${NOUN[kind]} ${id}`, io);
  }
  const records = readRecords(positionals[0]!, kind, io);
  if (records === undefined) return 2;
  return putAll(api, kind, kind === 'regions' ? parentsFirst(records) : records, io);
}

type Rec = Record<string, unknown> & { id: string };

/** One record, a list, or a document with `sites:`/`regions:` (as `registry export` writes). */
function readRecords(file: string, kind: Kind, io: CliOutput): Rec[] | undefined {
  let doc: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    doc = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    io.err(`shaobing ${kind} put: cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as Record<string, unknown>)[kind]) ? ((doc as Record<string, unknown>)[kind] as unknown[]) : [doc];
  const bad = list.findIndex((r) => !r || typeof r !== 'object' || typeof (r as { id?: unknown }).id !== 'string' || (r as { id: string }).id === '');
  if (list.length === 0 || bad >= 0) {
    io.err(`shaobing ${kind} put: ${file}: ${list.length === 0 ? `no ${kind}` : `entry ${bad + 1} has no id`}: give one ${NOUN[kind]} {id, name, …}, a list of them, or a document with ${kind}:`);
    return undefined;
  }
  return list as Rec[];
}

/** A parent written before its children, whatever order the file has them in. */
function parentsFirst(regions: Rec[]): Rec[] {
  const byId = new Map(regions.map((r) => [r.id, r]));
  const out: Rec[] = [];
  const done = new Set<string>();
  const visit = (r: Rec, depth: number): void => {
    if (done.has(r.id) || depth > regions.length) return;
    const parent = typeof r.parent === 'string' ? byId.get(r.parent) : undefined;
    if (parent) visit(parent, depth + 1);
    done.add(r.id);
    out.push(r);
  };
  for (const r of regions) visit(r, 0);
  return out;
}

async function putAll(api: CliApi, kind: Kind, records: Rec[], io: CliOutput): Promise<number> {
  let refused = 0;
  let created = 0;
  let changed = 0;
  let devicesLeft = 0;
  const noun = NOUN[kind];
  for (const r of records) {
    const { id, ...fields } = r;
    if (kind === 'sites' && 'devices' in fields) {
      // A registry export carries devices: each needs its own secret, which this command does not
      // issue. Left out and said so, so such a file still edits its sites.
      if (Array.isArray(fields.devices)) devicesLeft += fields.devices.length;
      delete fields.devices;
    }
    const answer = await callApi(api, 'PUT', `/${kind}/${encodeURIComponent(id)}`, fields);
    if (typeof answer === 'string') {
      io.err(`shaobing ${kind} put: ${answer}`);
      return 1;
    }
    if (answer.ok) {
      if (answer.status === 201) created++;
      else changed++;
      continue;
    }
    refused++;
    for (const line of refusalLines(`${noun} ${id}`, answer)) io.err(line);
  }
  if (devicesLeft > 0) io.err(`${devicesLeft} devices in the file were left out: add devices with shaobing devices import (each gets its own secret)`);
  io.out(`${records.length} ${kind}: ${created} created, ${changed} changed${refused ? `, ${refused} refused` : ''}`);
  return refused > 0 ? 1 : 0;
}

async function remove(api: CliApi, path: string, what: string, io: CliOutput): Promise<number> {
  const answer = await callApi(api, 'DELETE', path);
  if (typeof answer === 'string') {
    io.err(answer);
    return 1;
  }
  if (!answer.ok) {
    for (const line of refusalLines(what, answer)) io.err(line);
    return 1;
  }
  io.out(`${what} removed`);
  return 0;
}

interface RegionLine {
  id: string;
  parent: string | null;
  name: string;
  level: string;
  officers: string[];
  siteCount: number;
  activeAlarms: Record<string, number>;
}

async function listRegions(api: CliApi, io: CliOutput): Promise<number> {
  const answer = await callApi(api, 'GET', '/regions');
  if (typeof answer === 'string') {
    io.err(answer);
    return 1;
  }
  if (!answer.ok) {
    for (const line of refusalLines('regions', answer)) io.err(line);
    return 1;
  }
  const regions = (answer.body as { regions: RegionLine[] }).regions;
  if (regions.length === 0) {
    io.out('no regions');
    return 0;
  }
  const children = new Map<string | null, RegionLine[]>();
  const ids = new Set(regions.map((r) => r.id));
  for (const r of regions) {
    const key = r.parent !== null && ids.has(r.parent) ? r.parent : null;
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const print = (r: RegionLine, depth: number): void => {
    const alarms = Object.entries(r.activeAlarms)
      .filter(([, n]) => n > 0)
      .map(([level, n]) => `${level} ${n}`)
      .join(', ');
    io.out(`${'  '.repeat(depth)}${r.id}  ${r.name} (${r.level})  ${r.siteCount} sites${alarms ? `  alarms: ${alarms}` : ''}${r.officers.length ? `  officers: ${r.officers.join(', ')}` : ''}`);
    for (const c of children.get(r.id) ?? []) print(c, depth + 1);
  };
  for (const root of children.get(null) ?? []) print(root, 0);
  return 0;
}

async function listOrganisations(api: CliApi, io: CliOutput): Promise<number> {
  const answer = await callApi(api, 'GET', '/organisations');
  if (typeof answer === 'string') {
    io.err(answer);
    return 1;
  }
  if (!answer.ok) {
    for (const line of refusalLines('organisations', answer)) io.err(line);
    return 1;
  }
  const orgs = (answer.body as { organisations: { id: string; name: string }[] }).organisations;
  if (orgs.length === 0) io.out('no organisations');
  for (const o of orgs) io.out(`${o.id}  ${o.name}`);
  return 0;
}
