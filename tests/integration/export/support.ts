// Shared by the export tests: a gateway with two sites in two time zones, alarms and an order
// put through the real alarm service and order repository, and an RFC 4180 reader.

import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import type { Quantity } from '../../../gateway/src/config/quantities.js';
import { issueOrder } from '../../../gateway/src/orders/stop-work.js';
import { DEMO_SITE } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/fixture.js';

export const SHOP = 'shop-02';
export const SHOP_NAME = '老王烧烤, "东门"店';

/** 2026-12-07 22:15:03 in Shanghai (UTC+8); 20:15:03 in Urumqi (UTC+6). */
export const T1 = Date.UTC(2026, 11, 7, 14, 15, 3);
export const DAY_START = Date.UTC(2026, 11, 6, 16, 0, 0); // 2026-12-07 00:00 Shanghai
export const DAY_END = Date.UTC(2026, 11, 7, 15, 59, 59, 999);

/** A note with everything a CSV writer gets wrong: commas, quotes, line breaks, Chinese. */
export const HARD_NOTE = '已整改, 更换"软管"\r\n第二行：老王签字，电话 138-0000-0000';
export const FORMULA_NOTE = '=HYPERLINK("http://evil.example","点我")';

export function addShop(input: ConfigInput): void {
  const kitchen = input.sites[0]!;
  input.sites.push({ id: SHOP, name: SHOP_NAME, timezone: 'Asia/Urumqi', devices: [{ ...kitchen.devices[0]!, id: 'gas-09' }] });
}

function raise(g: RunningGateway, site: string, device: string, channel: string, quantity: Quantity, ruleId: string, atMs: number, value: number) {
  const a = g.alarms.onTransition({ kind: 'level', site: site as SiteId, device: device as DeviceId, channel: channel as ChannelId, quantity, ruleId, from: null, to: 'yellow', value, atMs, stopWork: false });
  if (!a) throw new Error(`no alarm raised for ${site}/${device}/${channel}`);
  return a;
}

/** Raises, clears, acknowledges and closes an alarm with the note. */
function closedAlarm(g: RunningGateway, site: string, device: string, channel: string, quantity: Quantity, ruleId: string, atMs: number, by: string, note: string) {
  const a = raise(g, site, device, channel, quantity, ruleId, atMs, 31.5);
  g.alarms.onTransition({ kind: 'level', site: site as SiteId, device: device as DeviceId, channel: channel as ChannelId, quantity, ruleId, from: 'yellow', to: null, value: 2, atMs: atMs + 60_000, stopWork: false });
  const acked = g.alarms.acknowledge(a.id, by);
  if (!acked || acked.rejected) throw new Error(`ack refused: ${acked?.rejected}`);
  const closed = g.alarms.close(a.id, by, note);
  if (!closed || closed.rejected) throw new Error(`close refused: ${closed?.rejected}`);
  return a.id;
}

export interface Seeded {
  hard: string;
  formula: string;
  shop: string;
  stale: string;
  before: string;
  orderId: string;
}

export function seed(g: RunningGateway): Seeded {
  const hard = closedAlarm(g, DEMO_SITE, 'gas-01', 'ch4', 'methane_lel', 'methane-high', T1, '值班员 李', HARD_NOTE);
  const formula = closedAlarm(g, DEMO_SITE, 'gas-01', 'co', 'co_ppm', 'co-high', T1 + 3_600_000, '@officer', FORMULA_NOTE);
  const shop = raise(g, SHOP, 'gas-09', 'ch4', 'methane_lel', 'methane-high', T1 - 2 * 3_600_000, 12).id;
  const stale = g.alarms.onTransition({ kind: 'level', site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId, channel: 'ch4' as ChannelId, quantity: 'methane_lel', ruleId: 'stale', alarmKind: 'stale', from: null, to: 'yellow', value: 112, atMs: T1 + 60_000, stopWork: false })!.id;
  const before = raise(g, DEMO_SITE, 'gas-01', 'ch4', 'methane_lel', 'methane-low', Date.UTC(2026, 11, 1, 2, 0, 0), 5).id;
  const order = issueOrder({ id: 'order-export-1', site: DEMO_SITE, alarmId: hard, reason: '甲烷浓度超标，停产停工', atMs: T1 + 5_000, actuators: [{ commandId: 'cmd-export-1', device: 'valve-01', action: 'close' }] });
  g.orders.save(order.next);
  return { hard, formula, shop, stale, before, orderId: 'order-export-1' };
}

/** RFC 4180 reader: quoted fields with doubled quotes and line breaks, CRLF records. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote');
        field += text.slice(i, q);
        if (text[q + 1] === '"') (field += '"', (i = q + 2));
        else {
          i = q + 1;
          break;
        }
      }
    } else if (c === ',') (row.push(field), (field = ''), i++);
    else if (c === '\r' && text[i + 1] === '\n') (row.push(field), rows.push(row), (row = []), (field = ''), (i += 2));
    else if (c === '\n') throw new Error(`bare LF outside quotes at ${i}`);
    else (field += c, i++);
  }
  if (field !== '' || row.length) throw new Error('last record lacks its CRLF');
  return rows;
}

/** Rows as objects keyed by the header row. */
export function records(rows: string[][]): Record<string, string>[] {
  const [head, ...rest] = rows;
  return rest.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}
