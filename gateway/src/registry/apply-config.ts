// The YAML file as configuration as code over the registry: at start and on SIGHUP its regions,
// organisations and sites are applied idempotently. What the file names is written with source
// 'config' (the file wins over a registry edit of the same record); a 'config' record the file no
// longer names is removed; a 'registry' record (API, command line, import) is never touched,
// including a device the API added to a site the file holds, which keeps that site when the file
// drops it (docs/architecture.md, "The fleet registry"). The same file applied twice writes
// nothing, tells nobody and audits nothing.

import type { Config, RegionConfig, SiteConfig } from '../config/schema.js';
import { sameRecord as same } from './registry-checks.js';
import { RegistryError } from '../errors.js';
import type { FleetActor } from './fleet.js';
import type { FleetOp, LiveFleet, SourcedFleet } from './live-fleet.js';

/** What the file says about the fleet. */
export type FleetFile = Pick<Config, 'regions' | 'organisations' | 'sites'>;

export interface ApplyResult {
  /** Records written or removed (0: the registry already held the file). */
  readonly writes: number;
  /** What the file dropped but the registry still needs, kept and handed to the registry: sites
   * holding devices the API added, and regions and organisations registry records still name
   * (these stay the file's, and go at the first apply after nothing names them). As
   * `site:ID`, `region:ID`, `organisation:ID`. */
  readonly kept: readonly string[];
}

const regionFields = (r: RegionConfig) => ({ id: r.id, name: r.name, level: r.level, parent: r.parent, officers: r.officers });

/** The file's regions, each after its parent; a cycle in the file is refused with its rows. */
function parentsFirst(regions: readonly RegionConfig[]): RegionConfig[] {
  const inFile = new Set(regions.map((r) => r.id));
  const placed = new Set<string>();
  const out: RegionConfig[] = [];
  let rest = [...regions];
  while (rest.length > 0) {
    const ready = rest.filter((r) => r.parent === undefined || !inFile.has(r.parent) || placed.has(r.parent));
    if (ready.length === 0) {
      throw new RegistryError(rest.map((r) => ({ row: regions.indexOf(r), field: 'parent', message: `regions ${rest.map((x) => x.id).join(', ')} are each other's ancestors: a region tree has no cycles` })));
    }
    for (const r of ready) placed.add(r.id), out.push(r);
    rest = rest.filter((r) => !placed.has(r.id));
  }
  return out;
}

/** The writes that make the registry hold the file (pure: the registry now and the file in). */
export function planConfig(now: SourcedFleet, file: FleetFile): { ops: FleetOp[]; kept: string[] } {
  const puts: FleetOp[] = [];
  const removals: FleetOp[] = [];

  const regions = new Map(now.regions.map((r) => [r.id, r]));
  for (const region of parentsFirst(file.regions)) {
    const had = regions.get(region.id);
    if (!had || had.source !== 'config' || !same(regionFields(had), regionFields(region))) puts.push({ op: 'region', region, source: 'config' });
  }
  const orgs = new Map(now.organisations.map((o) => [o.id, o]));
  for (const org of file.organisations) {
    const had = orgs.get(org.id);
    if (!had || had.source !== 'config' || had.name !== org.name) puts.push({ op: 'org', org: { id: org.id, name: org.name }, source: 'config' });
  }

  const sites = new Map(now.sites.map((s) => [s.body.id, s]));
  file.sites.forEach((site: SiteConfig, pos) => {
    const { devices, ...body } = site;
    const had = sites.get(site.id);
    if (!had || had.source !== 'config' || had.pos !== pos || !same(had.body, body)) puts.push({ op: 'site', body, source: 'config', pos });
    const hadDevices = new Map((had?.devices ?? []).map((d) => [d.device.id, d]));
    devices.forEach((device, j) => {
      const d = hadDevices.get(device.id);
      if (!d || d.source !== 'config' || d.pos !== j || !same(d.device, device)) puts.push({ op: 'device', site: site.id, device, source: 'config', pos: j });
    });
    const named = new Set(devices.map((d) => d.id));
    for (const d of had?.devices ?? []) if (d.source === 'config' && !named.has(d.device.id)) removals.push({ op: 'device-', site: site.id, id: d.device.id });
  });

  const fileSites = new Set(file.sites.map((s) => s.id));
  const kept: string[] = [];
  for (const s of now.sites) {
    if (s.source !== 'config' || fileSites.has(s.body.id)) continue;
    if (s.devices.some((d) => d.source === 'registry')) {
      // Devices the API added are the registry's: removing the site would take them out of watch
      // with it. The file's own devices go; the site is handed to the registry and said.
      for (const d of s.devices) if (d.source === 'config') removals.push({ op: 'device-', site: s.body.id, id: d.device.id });
      puts.push({ op: 'site', body: s.body, source: 'registry', pos: s.pos });
      kept.push(`site:${s.body.id}`);
    } else removals.push({ op: 'site-', id: s.body.id });
  }

  // A region or organisation the file dropped but a registry site (or a registry region below it)
  // still names stays, and is said: removing it would orphan records the file does not own.
  const staying = [...file.sites.map((s) => ({ region: s.region, org: s.org })), ...now.sites.filter((s) => !fileSites.has(s.body.id) && (s.source === 'registry' || kept.includes(`site:${s.body.id}`))).map((s) => s.body)];
  const fileOrgs = new Set(file.organisations.map((o) => o.id));
  for (const o of now.organisations) {
    if (o.source !== 'config' || fileOrgs.has(o.id)) continue;
    if (staying.some((s) => s.org === o.id)) kept.push(`organisation:${o.id}`);
    else removals.push({ op: 'org-', id: o.id, ifUnused: true });
  }
  const fileRegions = new Set(file.regions.map((r) => r.id));
  const parents = new Set([...file.regions, ...now.regions.filter((r) => r.source === 'registry' && !fileRegions.has(r.id))].flatMap((r) => (r.parent !== undefined ? [r.parent] : [])));
  // Deepest first, so a child goes before its parent and a kept child keeps its parent.
  const dropped = now.regions.filter((r) => r.source === 'config' && !fileRegions.has(r.id)).sort((a, b) => b.path.length - a.path.length);
  for (const r of dropped) {
    if (parents.has(r.id) || staying.some((s) => s.region === r.id)) {
      kept.push(`region:${r.id}`);
      if (r.parent !== undefined) parents.add(r.parent);
    } else removals.push({ op: 'region-', id: r.id, ifUnused: true });
  }
  return { ops: [...puts, ...removals], kept };
}

function summary(ops: readonly FleetOp[]): Record<string, unknown> {
  const count = (op: FleetOp['op']) => ops.filter((o) => o.op === op).length;
  const sites = [...new Set(ops.flatMap((o) => (o.op === 'site' ? [o.body.id] : o.op === 'site-' ? [o.id] : o.op === 'device' || o.op === 'device-' ? [o.site] : [])))];
  return {
    regionsPut: count('region'),
    regionsRemoved: count('region-'),
    organisationsPut: count('org'),
    organisationsRemoved: count('org-'),
    sitesPut: count('site'),
    sitesRemoved: count('site-'),
    devicesPut: count('device'),
    devicesRemoved: count('device-'),
    // Which sites, named up to a screenful: a 10 000-site file's first apply is one entry, not a book.
    sites: sites.slice(0, 50),
    ...(sites.length > 50 ? { moreSites: sites.length - 50 } : {}),
  };
}

/**
 * Makes the registry hold the file, in one transaction with one audit entry (`config.apply`, the
 * actor naming the file) and one onChange call; nothing at all when it already does.
 */
export function applyConfig(fleet: LiveFleet, file: FleetFile, by: FleetActor): ApplyResult {
  const { ops, kept } = planConfig(fleet.sourced(), file);
  if (ops.length === 0) return { writes: 0, kept };
  const refused = fleet.commit(ops, { atMs: by.atMs, actor: by.actor, action: 'config.apply', target: 'fleet', detail: { ...summary(ops), ...(kept.length > 0 ? { kept } : {}) } }).kept;
  return { writes: ops.length - refused.length, kept: [...kept, ...refused] };
}
