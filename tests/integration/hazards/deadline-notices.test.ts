// Deadlines that escalate, end to end to a real HTTP receiver with a controllable clock: the person
// responsible is reminded from the day before the deadline in the site's calendar, the duty and
// leader tiers hear once the deadline day has ended with the fix not reported, each once per
// deadline (an extension arms the reminder again), and a major hazard with no stop-work order
// in force asks the duty officer to issue one or record why not.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { HazardRepository } from '../../../gateway/src/hazards/repository.js';
import { HazardLedger } from '../../../gateway/src/hazards/ledger.js';
import { HazardDeadlineWatch } from '../../../gateway/src/hazards/deadline-watch.js';
import { eventually } from '../../support/gateway.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { openHarness, rosterInput, SITE, type Harness } from '../notify/notify-fixture.js';

const SECRET = 'webhook-secret-0123';
/** An instant by the Shanghai wall clock. */
const sh = (iso: string) => Date.parse(`${iso}+08:00`);

let dir: ReturnType<typeof tempDir>;
let rx: HttpReceiver;
let h: Harness;
let ledger: HazardLedger;
let repo: HazardRepository;
let watch: HazardDeadlineWatch;
let now = sh('2026-12-08T10:00:00');
let inForce = false;

beforeEach(async () => {
  dir = tempDir();
  rx = await startHttpReceiver({ webhookSecret: SECRET });
  const input = { ...rosterInput({ hook: { type: 'webhook' as const, url: `${rx.url}/webhook`, secret: SECRET } }, { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] }), delivery: { pollMs: 10, baseDelayMs: 20 } };
  now = sh('2026-12-08T10:00:00');
  inForce = false;
  h = openHarness(dir.path, input, () => now);
  const fleet = new LiveFleet(new RegistryStore(h.db), silentLogger());
  fleet.putSite({ id: SITE, name: '示范餐馆后厨', timezone: 'Asia/Shanghai', devices: [] }, { actor: 'test', atMs: now });
  repo = new HazardRepository(h.db);
  ledger = new HazardLedger({ db: h.db, repo, audit: new AuditLog(h.db), clock: () => now, log: silentLogger(), site: (id) => (fleet.site(id) ? { region: null, timeZone: 'Asia/Shanghai' } : undefined) });
  watch = new HazardDeadlineWatch({ db: h.db, repo, notifier: h.notifier, siteName: (id) => fleet.site(id)?.name ?? id, orderInForce: () => inForce, clock: () => now, log: silentLogger() });
});
afterEach(async () => {
  h.close();
  await rx.close();
  dir.remove();
});

function planned(deadline: string, grade: 'general' | 'major' = 'general'): string {
  const made = ledger.register({ site: SITE, source: 'patrol', category: 'hose_pipe', description: '软管老化', location: '后厨', foundBy: 'patrol-zhao', foundAtMs: now }, { name: 'clerk' });
  if (!made.ok) throw new Error(made.detail);
  const id = made.hazard.id;
  const steps = [
    grade === 'major' ? { kind: 'grade' as const, grade, basis: 'order16_stop_work' as const, criterion: '需局部停产' } : { kind: 'grade' as const, grade },
    { kind: 'plan' as const, responsible: '王班长', measures: '更换软管', fundsYuan: 500, emergencyPlan: '关阀', deadlineDate: deadline },
  ];
  for (const s of steps) {
    const m = ledger.act(id, s, { name: 'officer-li' });
    if (!m.ok) throw new Error(m.detail);
  }
  return id;
}

const hazardNotices = () => rx.shown().filter((d) => d.key?.startsWith('hazard:'));
const at = (iso: string) => watch.tick((now = sh(iso)));

describe('hazard deadline notices', () => {
  it('reminds the responsible person from the day before, then tells duty and leaders once the deadline day has ended', async () => {
    const id = planned('2026-12-10');
    expect(at('2026-12-08T23:59:59')).toBe(0);
    // Midnight in Shanghai (16:00 UTC): the day before the deadline has begun there.
    expect(at('2026-12-09T00:00:00')).toBe(1);
    expect(at('2026-12-09T08:00:00')).toBe(0);
    expect(at('2026-12-10T23:59:59.999')).toBe(0);
    expect(at('2026-12-11T00:00:00')).toBe(2);
    expect(at('2026-12-11T00:01:00')).toBe(0);

    h.notifier.start();
    await eventually(() => hazardNotices().length === 3, 5000, 'three hazard notices at the receiver');
    const shown = hazardNotices().map((d) => ({ key: d.key, json: d.json as Record<string, unknown> }));
    const deadlineMs = sh('2026-12-11T00:00:00');
    expect(shown.map((d) => d.key).sort()).toEqual([`hazard:${id}:hazard_overdue:${deadlineMs}:wang:hook`, `hazard:${id}:hazard_overdue:${deadlineMs}:zhang:hook`, `hazard:${id}:hazard_reminder:${deadlineMs}:wang:hook`]);
    const reminder = shown.find((d) => d.key!.includes('hazard_reminder'))!.json;
    expect(reminder).toMatchObject({ notice: 'hazard_reminder', hazardId: id, site: SITE, siteName: '示范餐馆后厨', deadlineDate: '2026-12-10', recipient: 'wang', title: '【隐患整改即将到期】示范餐馆后厨 一般隐患，剩余约 48 小时' });
    const overdue = shown.find((d) => d.key!.includes('hazard_overdue:') && d.key!.includes(':zhang:'))!.json;
    expect(overdue).toMatchObject({ notice: 'hazard_overdue', overdue: true, title: '【隐患整改逾期】示范餐馆后厨 一般隐患，已逾期 0 小时' });
    expect(String(overdue.text)).toContain('整改责任人：王班长');
  });

  it('arms the reminder again when the deadline is extended, and says nothing once the fix is reported', () => {
    const id = planned('2026-12-10');
    expect(at('2026-12-09T09:00:00')).toBe(1);
    expect(ledger.act(id, { kind: 'extend', deadlineDate: '2026-12-20', note: '等配件' }, { name: 'officer-li' }).ok).toBe(true);
    expect(at('2026-12-11T09:00:00')).toBe(0);
    expect(at('2026-12-19T09:00:00')).toBe(1);
    expect(ledger.act(id, { kind: 'request_acceptance', note: '已更换' }, { name: 'fitter-wang' }).ok).toBe(true);
    expect(at('2026-12-25T09:00:00')).toBe(0);
  });

  it('asks the duty officer for the stop-work decision on a major hazard, not when an order is in force or a reason is recorded', () => {
    const id = planned('2026-12-30', 'major');
    inForce = true;
    expect(at('2026-12-08T11:00:00')).toBe(0);
    inForce = false;
    expect(at('2026-12-08T11:01:00')).toBe(1);
    expect(at('2026-12-08T11:02:00')).toBe(0);
    const rows = h.notifier.outbox.list({ limit: 10 }).filter((r) => r.kind === 'hazard_order_decision');
    expect(rows.map((r) => r.recipient)).toEqual(['zhang']);
    const other = planned('2026-12-30', 'major');
    expect(ledger.act(other, { kind: 'no_order_reason', note: '支路已物理隔断' }, { name: 'officer-li' }).ok).toBe(true);
    expect(at('2026-12-08T11:03:00')).toBe(0);
    expect(id).not.toBe(other);
  });

  it('keeps a notice for later when nobody on the roster can be told, and marks nothing', () => {
    planned('2026-12-10');
    // Nobody: the responsible person is on the roster but the notifier's channels are gone from this view.
    const silent = new HazardDeadlineWatch({ db: h.db, repo, notifier: { noticeContext: () => ({ ...h.notifier.noticeContext(), channels: new Set<string>() }), queue: (rows) => h.notifier.queue(rows) }, siteName: (s) => s, orderInForce: () => false, clock: () => now, log: silentLogger() });
    expect(silent.tick(sh('2026-12-09T09:00:00'))).toBe(0);
    expect(at('2026-12-09T09:01:00')).toBe(1);
  });

  it('leads the daily briefing with the overdue hazards of its sites', () => {
    const late = planned('2026-12-09', 'major');
    planned('2026-12-30');
    const b = h.notifier.briefing(sh('2026-12-09T08:00:00'), sh('2026-12-10T08:00:00'))!;
    expect(b.hazards).toMatchObject({ open: 2, overdue: 1, overdueList: [{ hazardId: late, site: SITE, grade: 'major', deadlineDate: '2026-12-09', description: '软管老化' }] });
    const sections = b.markdown.split('\n').filter((l) => l.startsWith('### '));
    expect(sections[0]).toBe('### 隐患台账');
    expect(b.markdown).toContain(`- 未销号 2 项，其中逾期 1 项\n- 逾期 示范餐馆后厨 重大隐患 期限 2026-12-09：软管老化 (${late})`);
    // The day before, nothing was overdue yet.
    expect(h.notifier.briefing(sh('2026-12-08T08:00:00'), sh('2026-12-09T08:00:00'))!.hazards.overdue).toBe(0);
  });
});
