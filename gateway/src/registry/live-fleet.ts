// The fleet the running gateway works on: the registry's records (registry-store.ts) held in
// memory, changed only through the writer methods below. Each call checks its input with the
// config file's own schema and the references between records, commits its rows and its audit
// entry in one transaction, updates memory, and only then tells the listeners, once per call.

import type { DeviceConfig, OrganisationConfig, SiteConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Scope } from '../contract/scope.js';
import { RegistryError } from '../errors.js';
import type { AuditInput } from '../audit/audit-trail.js';
import type { DuePage, DueReplacements, Fleet, FleetActor, SiteChange } from './fleet.js';
import type { DeviceRow, FleetWriter, RegionRecord, RegistryProblem, SiteInput } from './fleet-writer.js';
import type { OrganisationRecord, RegistryStore, SiteBody, Source } from './registry-store.js';
import { FleetMemory, frozenDevice } from './fleet-memory.js';
import { changedFields, checkDevice, checkOrganisation, checkRegion, checkSite, sameRecord } from './registry-checks.js';

/** One move of a record, as written to the store and then to memory. */
export type FleetOp =
  | { readonly op: 'site'; readonly body: SiteBody; readonly source: Source; readonly pos: number }
  | { readonly op: 'site-'; readonly id: string }
  | { readonly op: 'device'; readonly site: string; readonly device: DeviceConfig; readonly source: Source; readonly pos: number }
  | { readonly op: 'device-'; readonly site: string; readonly id: string }
  | { readonly op: 'region'; readonly region: import('../config/schema.js').RegionConfig; readonly source: Source }
  /** `ifUnused`: a region or organisation still named is kept (the file dropped it, the registry still uses it). */
  | { readonly op: 'region-'; readonly id: string; readonly ifUnused?: boolean }
  | { readonly op: 'org'; readonly org: OrganisationConfig; readonly source: Source }
  | { readonly op: 'org-'; readonly id: string; readonly ifUnused?: boolean };

/** The records with their sources, for apply-config.ts to compare the file with. */
export interface SourcedFleet {
  readonly regions: readonly RegionRecord[];
  readonly organisations: readonly OrganisationRecord[];
  readonly sites: ReadonlyArray<{ readonly body: SiteBody; readonly source: Source; readonly pos: number; readonly devices: ReadonlyArray<{ readonly device: DeviceConfig; readonly source: Source; readonly pos: number }> }>;
}

const DUE_PAGE_MAX = 1000;
const siteBody = (site: SiteConfig): SiteBody => {
  const { devices: _devices, ...body } = site;
  return body;
};

export class LiveFleet implements Fleet, FleetWriter, DueReplacements {
  private readonly memory: FleetMemory;
  private regionList: readonly RegionRecord[];
  private regionIds: ReadonlySet<string>;
  private readonly orgs: Map<string, OrganisationRecord>;
  private readonly listeners = new Set<(changes: readonly SiteChange[]) => void>();

  constructor(
    private readonly store: RegistryStore,
    private readonly log: Logger,
  ) {
    const snapshot = store.load();
    this.memory = new FleetMemory(snapshot.sites, snapshot.devices);
    this.regionList = snapshot.regions;
    this.regionIds = new Set(snapshot.regions.map((r) => r.id));
    this.orgs = new Map(snapshot.organisations.map((o) => [o.id, o]));
  }

  // ── Fleet ─────────────────────────────────────────────────────────────────────────────────
  sites(): readonly SiteConfig[] {
    return this.memory.sites();
  }
  site(id: string): SiteConfig | undefined {
    return this.memory.entry(id)?.config;
  }
  device(site: string, device: string): DeviceConfig | undefined {
    return this.memory.entry(site)?.devices.get(device)?.device;
  }
  /** Who keeps the site's own fields: the config file (which wins at the next start or SIGHUP) or the registry. */
  siteSource(id: string): 'config' | 'registry' | undefined {
    return this.memory.entry(id)?.source;
  }
  onChange(listener: (changes: readonly SiteChange[]) => void): () => void {
    const own = (changes: readonly SiteChange[]) => listener(changes); // the same function twice is two subscriptions
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }
  regions(): readonly RegionRecord[] {
    return this.regionList;
  }
  organisations(): readonly OrganisationConfig[] {
    return [...this.orgs.values()].map(({ id, name }) => ({ id, name }));
  }

  /** Every record with its source (config or registry). */
  sourced(): SourcedFleet {
    const sites = [...this.memory.ids()].map((id) => {
      const e = this.memory.entry(id)!;
      return { body: e.body, source: e.source, pos: e.pos, devices: [...e.devices.values()] };
    });
    return { regions: this.regionList, organisations: [...this.orgs.values()], sites };
  }

  dueForReplacement(onOrBefore: string, scope: Scope, page: { limit?: number; after?: { replaceBy: string; site: string; device: string } } = {}): DuePage {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(onOrBefore)) throw new RegistryError([{ field: 'onOrBefore', message: 'a date as YYYY-MM-DD' }]);
    const limit = Math.min(Math.max(1, Math.floor(page.limit ?? 100)), DUE_PAGE_MAX);
    const rows = this.store.dueForReplacement(onOrBefore, scope, limit + 1, page.after);
    const items = rows.slice(0, limit).flatMap((r) => {
      const device = this.device(r.site, r.device);
      return device ? [{ site: r.site, device, replaceBy: r.replaceBy }] : [];
    });
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return last ? { items, next: { replaceBy: last.replaceBy, site: last.site, device: last.device } } : { items };
  }

  // ── FleetWriter ───────────────────────────────────────────────────────────────────────────
  putSite(input: SiteInput, by: FleetActor): SiteConfig {
    const [planned] = this.planSites([input], false);
    if (planned!.ops.length > 0) this.commit(planned!.ops, { atMs: by.atMs, actor: by.actor, action: 'site.put', target: input.id, detail: planned!.detail });
    return this.site(input.id)!;
  }

  /**
   * Creates or replaces many sites (an import), all or nothing: every refused row is named in one
   * RegistryError and nothing is written. One transaction, one audit entry, one onChange call.
   * Devices given with a site may obey another site of the same call.
   */
  putSites(inputs: readonly SiteInput[], by: FleetActor): readonly SiteConfig[] {
    const planned = this.planSites(inputs, true);
    const ops = planned.flatMap((p) => p.ops);
    if (ops.length > 0) {
      const created = planned.filter((p) => p.detail.created).length;
      this.commit(ops, { atMs: by.atMs, actor: by.actor, action: 'sites.import', target: 'fleet', detail: { rows: inputs.length, written: planned.filter((p) => p.ops.length > 0).length, created, devicesWritten: ops.filter((o) => o.op === 'device').length } });
    }
    return inputs.map((i) => this.site(i.id)!);
  }

  /** Each site's writes and audit detail; throws RegistryError with every problem of every row. */
  private planSites(inputs: readonly SiteInput[], rows: boolean): { ops: FleetOp[]; detail: { created: boolean } & Record<string, unknown> }[] {
    const problems: RegistryProblem[] = [];
    const inCall = new Set(inputs.map((i) => i.id));
    const seen = new Set<string>();
    let nextPos = this.memory.nextSitePos();
    const planned = inputs.map((input, row) => {
      const at = (list: RegistryProblem[]) => list.map((p) => (rows ? { ...p, row } : p));
      const checked = checkSite({ ...input, devices: input.devices ?? [] });
      if (!checked.ok) return void problems.push(...at(checked.problems));
      const site = checked.value;
      if (seen.has(site.id)) problems.push(...at([{ field: 'id', message: `site ${site.id} appears twice in this change` }]));
      seen.add(site.id);
      const body = siteBody(site);
      const obeys = (d: DeviceConfig, i: number) => this.obeysProblems(d, `devices.${i}.`, (id) => inCall.has(id));
      problems.push(...at([...this.siteReferences(body), ...(input.devices ? site.devices.flatMap(obeys) : [])]));
      const entry = this.memory.entry(site.id);
      const ops: FleetOp[] = [];
      const fields = changedFields(entry?.body, body);
      if (fields.length > 0) ops.push({ op: 'site', body, source: entry?.source ?? 'registry', pos: entry?.pos ?? nextPos++ });
      let added = 0;
      let removed = 0;
      if (input.devices) {
        const keep = new Set(site.devices.map((d) => d.id));
        for (const id of entry?.devices.keys() ?? []) if (!keep.has(id)) ops.push({ op: 'device-', site: site.id, id }), removed++;
        site.devices.forEach((device, i) => {
          const had = entry?.devices.get(device.id);
          if (had && had.pos === i && sameRecord(had.device, device)) return;
          if (!had) added++;
          ops.push({ op: 'device', site: site.id, device: frozenDevice(device), source: had?.source ?? 'registry', pos: i });
        });
      }
      const devices = input.devices ? { devicesAdded: added, devicesRemoved: removed, devicesWritten: ops.filter((o) => o.op === 'device').length } : {};
      return { ops, detail: { created: entry === undefined, fields, ...devices } };
    });
    if (problems.length > 0) throw new RegistryError(problems);
    return planned as { ops: FleetOp[]; detail: { created: boolean } & Record<string, unknown> }[];
  }

  removeSite(id: string, by: FleetActor): boolean {
    const entry = this.memory.entry(id);
    if (!entry) return false;
    this.commit([{ op: 'site-', id }], { atMs: by.atMs, actor: by.actor, action: 'site.remove', target: id, detail: { devices: entry.devices.size, source: entry.source } });
    return true;
  }

  putDevices(rows: readonly DeviceRow[], by: FleetActor): readonly DeviceConfig[] {
    const problems: RegistryProblem[] = [];
    const devices: DeviceConfig[] = [];
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      if (!this.memory.entry(row.site)) problems.push({ row: i, field: 'site', message: `no site ${row.site}: create the site first` });
      const checked = checkDevice(row.device, i);
      if (!checked.ok) return void problems.push(...checked.problems);
      const key = `${row.site}/${checked.value.id}`;
      if (seen.has(key)) problems.push({ row: i, field: 'device.id', message: `device ${key} appears twice in this change` });
      seen.add(key);
      problems.push(...this.obeysProblems(checked.value, 'device.').map((p) => ({ ...p, row: i })));
      devices.push(frozenDevice(checked.value));
    });
    if (problems.length > 0) throw new RegistryError(problems);
    const ops: FleetOp[] = [];
    const nextPos = new Map<string, number>();
    let created = 0;
    rows.forEach((row, i) => {
      const device = devices[i]!;
      const had = this.memory.entry(row.site)!.devices.get(device.id);
      if (had && sameRecord(had.device, device)) return;
      if (!had) created++;
      const pos = had?.pos ?? nextPos.get(row.site) ?? this.memory.nextDevicePos(row.site);
      if (!had) nextPos.set(row.site, pos + 1);
      ops.push({ op: 'device', site: row.site, device, source: had?.source ?? 'registry', pos });
    });
    if (ops.length > 0) {
      const one = rows.length === 1 ? (ops[0] as Extract<FleetOp, { op: 'device' }>) : undefined;
      const entry: AuditInput = one
        ? { atMs: by.atMs, actor: by.actor, action: 'device.put', target: `${one.site}/${one.device.id}`, detail: { created: created === 1, fields: changedFields(this.device(one.site, one.device.id), one.device) } }
        : { atMs: by.atMs, actor: by.actor, action: 'devices.import', target: 'fleet', detail: { rows: rows.length, written: ops.length, created, replaced: ops.length - created, sites: new Set(ops.map((o) => (o as { site: string }).site)).size } };
      this.commit(ops, entry);
    }
    return devices;
  }

  removeDevice(site: string, device: string, by: FleetActor): boolean {
    if (!this.device(site, device)) return false;
    this.commit([{ op: 'device-', site, id: device }], { atMs: by.atMs, actor: by.actor, action: 'device.remove', target: `${site}/${device}`, detail: {} });
    return true;
  }

  putRegion(input: Parameters<FleetWriter['putRegion']>[0], by: FleetActor): RegionRecord {
    const checked = checkRegion(input);
    if (!checked.ok) throw new RegistryError(checked.problems);
    const region = checked.value;
    const before = this.regionList.find((r) => r.id === region.id);
    const fields = changedFields(before && { id: before.id, name: before.name, level: before.level, parent: before.parent, officers: before.officers }, region);
    if (before && fields.length === 0) return before;
    this.commit([{ op: 'region', region, source: before?.source ?? 'registry' }], {
      atMs: by.atMs,
      actor: by.actor,
      action: 'region.put',
      target: region.id,
      detail: { created: before === undefined, fields, ...(region.parent !== undefined ? { parent: region.parent } : {}) },
    });
    return this.regionList.find((r) => r.id === region.id)!;
  }

  removeRegion(id: string, by: FleetActor): boolean {
    if (!this.regionIds.has(id)) return false;
    this.commit([{ op: 'region-', id }], { atMs: by.atMs, actor: by.actor, action: 'region.remove', target: id, detail: {} });
    return true;
  }

  putOrganisation(input: OrganisationConfig, by: FleetActor): OrganisationConfig {
    const checked = checkOrganisation(input);
    if (!checked.ok) throw new RegistryError(checked.problems);
    const org = checked.value;
    const before = this.orgs.get(org.id);
    if (before?.name === org.name) return org;
    this.commit([{ op: 'org', org, source: before?.source ?? 'registry' }], { atMs: by.atMs, actor: by.actor, action: 'organisation.put', target: org.id, detail: { created: before === undefined, fields: ['name'] } });
    return org;
  }

  /** Removes an organisation; refused (conflict) while sites name it. */
  removeOrganisation(id: string, by: FleetActor): boolean {
    if (!this.orgs.has(id)) return false;
    this.commit([{ op: 'org-', id }], { atMs: by.atMs, actor: by.actor, action: 'organisation.remove', target: id, detail: {} });
    return true;
  }

  /**
   * Writes `ops` and `entry` in one transaction, then memory, then tells the listeners once with
   * every site whose SiteConfig moved. Returns the records an `ifUnused` removal kept
   * (`region:ID`, `organisation:ID`).
   */
  commit(ops: readonly FleetOp[], entry: AuditInput): { kept: string[] } {
    const kept: string[] = [];
    const before = new Map<string, SiteConfig | undefined>();
    for (const o of ops) {
      const site = o.op === 'site' ? o.body.id : o.op === 'site-' ? o.id : o.op === 'device' || o.op === 'device-' ? o.site : undefined;
      if (site !== undefined && !before.has(site)) before.set(site, this.site(site));
    }
    this.store.transact(() => {
      for (const o of ops) this.write(o, kept, entry.atMs);
      return { result: undefined, entry };
    });
    for (const o of ops) this.remember(o, kept);
    if (ops.some((o) => o.op === 'region' || o.op === 'region-')) {
      this.regionList = this.store.regions();
      this.regionIds = new Set(this.regionList.map((r) => r.id));
    }
    const changes: SiteChange[] = [];
    for (const [id, was] of before) {
      const now = this.memory.rebuild(id);
      if (was !== now) changes.push(Object.freeze({ before: was, after: now }));
    }
    if (changes.length > 0) this.tell(Object.freeze(changes));
    return { kept };
  }

  private write(o: FleetOp, kept: string[], atMs: number): void {
    const s = this.store;
    switch (o.op) {
      case 'site':
        return s.putSite(o.body, o.source, o.pos, atMs);
      case 'site-':
        return void s.removeSite(o.id);
      case 'device':
        return s.putDevice(o.site, o.device, o.source, o.pos, atMs);
      case 'device-':
        return void s.removeDevice(o.site, o.id);
      case 'region':
        return void s.putRegion(o.region, o.source);
      case 'org':
        return s.putOrganisation(o.org, o.source);
      case 'region-':
      case 'org-':
        try {
          if (o.op === 'region-') s.removeRegion(o.id);
          else s.removeOrganisation(o.id);
        } catch (err) {
          // The store refuses before it deletes anything, so the transaction may go on without it.
          if (!(o.ifUnused && err instanceof RegistryError && err.conflict)) throw err;
          kept.push(`${o.op === 'region-' ? 'region' : 'organisation'}:${o.id}`);
        }
    }
  }

  private remember(o: FleetOp, kept: readonly string[]): void {
    const m = this.memory;
    switch (o.op) {
      case 'site':
        return m.setSite(o.body, o.source, o.pos);
      case 'site-':
        return m.removeSite(o.id);
      case 'device':
        return m.setDevice(o.site, frozenDevice(o.device), o.source, o.pos);
      case 'device-':
        return m.removeDevice(o.site, o.id);
      case 'org':
        return void this.orgs.set(o.org.id, Object.freeze({ ...o.org, source: o.source }));
      case 'org-':
        if (!kept.includes(`organisation:${o.id}`)) this.orgs.delete(o.id);
        return;
      default:
        return; // regions are read back from the store after the commit (a move changes paths below)
    }
  }

  private tell(changes: readonly SiteChange[]): void {
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (err) {
        // A follower's fault must not keep the others from the change: said, then the next one.
        this.log.error({ err, sites: changes.slice(0, 10).map((c) => (c.after ?? c.before)!.id) }, 'fleet listener failed on a committed change');
      }
    }
  }

  private siteReferences(body: SiteBody): RegistryProblem[] {
    const problems: RegistryProblem[] = [];
    if (body.region !== undefined && !this.regionIds.has(body.region)) problems.push({ field: 'region', message: `no region ${body.region}: create it first` });
    if (body.org !== undefined && !this.orgs.has(body.org)) problems.push({ field: 'org', message: `no organisation ${body.org}: create it first` });
    return problems;
  }

  /** An actuator obeying a site that does not exist would never close for it: refused. */
  private obeysProblems(device: DeviceConfig, prefix: string, alsoKnown: (site: string) => boolean = () => false): RegistryProblem[] {
    return (device.obeys ?? []).flatMap((site, j) => (alsoKnown(site) || this.memory.entry(site) ? [] : [{ field: `${prefix}obeys.${j}`, message: `no site ${site}: an actuator can only obey an existing site` }]));
  }
}
