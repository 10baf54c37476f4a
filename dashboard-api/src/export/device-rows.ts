// The device list of an export: the configured devices a site per page, one row per channel, with
// what each owner keeps of it: its last values and when it was last heard (the API's own table,
// device-last-store.ts) and its last birth or will (the gateway's, through ExportSource).

import type { ExportSource } from '../../../gateway/src/export/export-source.js';
import type { SiteLast } from '../device-last-store.js';
import type { DeviceChannelRow } from './tables.js';

/** The configured devices, as the config (later the registry) has them. */
export interface ExportSite {
  readonly id: string;
  readonly devices: readonly { readonly id: string; readonly kind: string; readonly channels: Readonly<Record<string, { readonly quantity: string }>> }[];
}

/** Lets the event loop run between sites (alarms arriving, other requests). */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function* deviceRows(
  sites: readonly ExportSite[],
  statuses: ExportSource['deviceStatuses'],
  lastOf: (site: string) => SiteLast,
  f: { readonly site?: string | undefined },
): AsyncGenerator<DeviceChannelRow[]> {
  for (const site of sites) {
    if (f.site !== undefined && site.id !== f.site) continue;
    const { values, heard } = lastOf(site.id);
    const states = statuses(site.id);
    const rows: DeviceChannelRow[] = [];
    for (const d of site.devices) {
      const h = heard.get(d.id);
      const st = states.get(d.id);
      const common = { site: site.id, device: d.id, kind: d.kind, heardAtMs: h?.heardAtMs ?? null, battery: h?.battery ?? null, status: st?.state ?? null, statusAtMs: st?.atMs ?? null };
      const channels = Object.entries(d.channels);
      if (channels.length === 0) rows.push({ ...common, channel: null, quantity: null, value: null, valueAtMs: null });
      for (const [channel, c] of channels) {
        const v = values.get(`${d.id}/${channel}`);
        rows.push({ ...common, channel, quantity: c.quantity, value: v?.value ?? null, valueAtMs: v?.tsMs ?? null });
      }
    }
    if (rows.length) yield rows;
    await breathe();
  }
}
