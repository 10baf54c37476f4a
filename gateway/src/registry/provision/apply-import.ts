// An import plan (import-rows.ts) written to the registry: secrets issued to the new devices, the
// file's new sites created, and the devices put in batches, all or nothing: a refused batch undoes
// the ones before it, so a file is applied whole or not at all (unless partial is asked).

import { RegistryError } from '../../errors.js';
import type { Fleet, FleetActor } from '../fleet.js';
import type { FleetWriter, SiteInput } from '../fleet-writer.js';
import type { SiteConfig } from '../../config/schema.js';
import { issueSecrets, type IssuedSecret, type StoredCredential } from './device-secret.js';
import type { ImportedDevice, ImportPlan, ImportRefusal } from './import-rows.js';

/** Devices per transaction: 2 000 take ~0.1 s here. */
const DEVICES_PER_BATCH = 2000;
/** Sites per transaction: 1 000 took ~0.1 s here, so a batch holds the event loop some 30 ms. */
const SITES_PER_BATCH = 250;

export interface ImportOptions {
  /** Apply the accepted rows of a file that has refused ones (the refused are still reported). */
  readonly partial?: boolean;
  /** Devices the registry already holds are changed instead of refused; each keeps its
   * credential (the unit in the field still logs in) unless the row asks for another auth. */
  readonly replace?: boolean;
}

export interface ImportOutcome {
  /** Devices written (new and replaced). */
  readonly applied: number;
  readonly sitesCreated: number;
  /** One per device given a new secret: to hand to the installer once, never kept. */
  readonly secrets: readonly IssuedSecret[];
  readonly refused: readonly ImportRefusal[];
}

function credentialOf(device: { auth?: string; loginKey?: string | undefined; passwordHash?: string | undefined } | undefined): StoredCredential | undefined {
  if (device?.auth === 'signed' && device.loginKey) return { auth: 'signed', loginKey: device.loginKey };
  if (device?.auth === 'static' && device.passwordHash) return { auth: 'static', passwordHash: device.passwordHash };
  return undefined;
}

/** Applies the plan; refusals found now (a device added meanwhile, the writer's own checks) are
 * returned like the plan's, with the file's lines. */
export async function applyImport(plan: ImportPlan, fleet: Fleet, writer: FleetWriter, by: FleetActor, o: ImportOptions = {}): Promise<ImportOutcome> {
  const none = (refused: readonly ImportRefusal[]): ImportOutcome => ({ applied: 0, sitesCreated: 0, secrets: [], refused });
  if (plan.refused.length > 0 && !o.partial) return none(plan.refused);

  const kept = new Map<number, StoredCredential>();
  for (const d of plan.devices) {
    const existing = d.replaces ? credentialOf(fleet.device(d.site, String(d.device.id))) : undefined;
    if (existing && (d.auth === undefined || d.auth === existing.auth)) kept.set(d.line, existing);
  }
  const fresh = plan.devices.filter((d) => !kept.has(d.line));
  const issued = await issueSecrets(fresh.map((d) => ({ site: d.site, device: String(d.device.id), auth: d.auth ?? 'signed' })));
  const credentials = new Map<number, StoredCredential>(kept);
  fresh.forEach((d, i) => credentials.set(d.line, issued[i]!.credential));

  const refused = [...plan.refused];
  // New sites in batches, each one transaction (putSites), with a turn for the event loop between
  // them so that 2 500 new kitchens do not hold the alarms for the whole write.
  const created: string[] = [];
  // Only sites some accepted row goes to: a partial import whose rows of a new site were all
  // refused leaves no empty site behind.
  const used = new Set(plan.devices.map((d) => d.site));
  const toCreate = plan.sites.filter((s) => used.has(String(s.site.id)) && !fleet.site(String(s.site.id)));
  for (let i = 0; i < toCreate.length; i += SITES_PER_BATCH) {
    const batch = toCreate.slice(i, i + SITES_PER_BATCH);
    try {
      writer.putSites(batch.map((s) => ({ ...s.site, devices: [] })), by);
    } catch (err) {
      for (const site of created) writer.removeSite(site, by);
      if (!(err instanceof RegistryError)) throw err;
      const lineOf = (row: number | undefined) => (row !== undefined ? batch[row]?.line : undefined) ?? batch[0]!.line;
      return none([...refused, ...err.problems.map((p) => ({ line: lineOf(p.row), column: p.field, reason: p.message }))].sort((a, b) => a.line - b.line));
    }
    created.push(...batch.map((s) => String(s.site.id)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Devices in batches, each one putDevices (one transaction, one change for the followers), with
  // a turn for the event loop between them: 100 000 rows in one transaction held the gateway's
  // alarms and MQTT for ~5 s here. Should a batch be refused, the batches before it are undone:
  // the sites that existed get back their devices as they were, the file's new sites go.
  const before = new Map<string, SiteConfig>();
  const isNew = new Set(created);
  for (const d of plan.devices) {
    const site = isNew.has(d.site) ? undefined : fleet.site(d.site);
    if (site && !before.has(d.site)) before.set(d.site, site);
  }
  let wroteAny = false;
  const undo = (): void => {
    const sites = [...before.values()];
    if (wroteAny) for (let i = 0; i < sites.length; i += SITES_PER_BATCH) writer.putSites(sites.slice(i, i + SITES_PER_BATCH) as unknown as SiteInput[], by);
    for (const site of created) writer.removeSite(site, by);
  };
  const refuseAll = (): ImportOutcome => {
    undo();
    return none(refused.sort((a, b) => a.line - b.line));
  };
  const devices: ImportedDevice[] = [];
  for (let i = 0; i < plan.devices.length; i += DEVICES_PER_BATCH) {
    // The event loop had turns since the plan: a device added meanwhile by someone else is not
    // overwritten unasked. From this check to the batch's write nothing waits.
    let batch = plan.devices.slice(i, i + DEVICES_PER_BATCH).filter((d) => {
      if (d.replaces || o.replace || !fleet.device(d.site, String(d.device.id))) return true;
      refused.push({ line: d.line, column: 'device', reason: `device ${d.site}/${String(d.device.id)} was added while this file was imported` });
      return false;
    });
    if (refused.length > plan.refused.length && !o.partial) return refuseAll();
    // The writer checks again (an obeyed site that is missing, its own rules); with partial, the
    // rows it refuses are dropped and the rest of the batch written once more.
    for (let attempt = 0; ; attempt++) {
      try {
        if (batch.length > 0) writer.putDevices(batch.map((d) => ({ site: d.site, device: { ...d.device, ...credentials.get(d.line)! } })), by);
        break;
      } catch (err) {
        if (!(err instanceof RegistryError)) {
          undo();
          throw err;
        }
        const bad = new Set<number>();
        for (const p of err.problems) {
          const d = p.row !== undefined ? batch[p.row] : undefined;
          refused.push({ line: d?.line ?? 1, column: p.field, reason: p.message });
          if (p.row !== undefined) bad.add(p.row);
        }
        if (!o.partial || attempt > 0 || bad.size === 0) return refuseAll();
        batch = batch.filter((_, j) => !bad.has(j));
      }
    }
    wroteAny ||= batch.length > 0;
    devices.push(...batch);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const written = new Set(devices.map((d) => d.line));
  return {
    applied: devices.length,
    sitesCreated: created.length,
    secrets: issued.filter((_, i) => written.has(fresh[i]!.line)),
    refused: refused.sort((a, b) => a.line - b.line),
  };
}
