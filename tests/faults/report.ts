// `npm run faults:report` (and `npm run soak`, the same scenarios at larger load and longer
// faults): runs every fault scenario once, prints the fault table and writes it to
// bench/results/faults.json (soak: faults-soak.json). A vitest file selected only when
// FAULTS_REPORT is set (vitest.config.ts), so it shares the suite's TypeScript/ESM setup and is
// never part of `npm test`. The hostile-input, access and clock scenarios are another helper's
// (tests/faults/support/hostile-*.ts); they are run when their modules export them.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { FaultRow } from './support/fault-row.js';
import { brokerRestartEmbedded, brokerRestartMosquitto, diskFull, gatewaySigkill, outagesTogether, SOAK_OPTIONS, SUITE_OPTIONS, type ScenarioOptions } from './support/scenarios.js';
import { mosquittoMissing } from '../support/mosquitto.js';
import { influxdMissing } from '../support/influxd.js';
import { cliMissing } from '../support/gateway-process.js';

const SOAK = process.env.FAULTS_REPORT === 'soak';
/** `FAULTS_ONLY=gateway-sigkill,disk-full`: re-run those scenarios and replace their rows in the file. */
const ONLY = (process.env.FAULTS_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const OUT = fileURLToPath(new URL(`../../bench/results/${SOAK ? 'faults-soak' : 'faults'}.json`, import.meta.url));

type Scenario = { name: string; missing: string | null; run: () => Promise<FaultRow> };

/** Ours, with the suite's (or soak's) load; the outages last seconds in the suite, two minutes in soak. */
function ownScenarios(o: ScenarioOptions): Scenario[] {
  return [
    { name: 'broker-restart/aedes', missing: null, run: () => brokerRestartEmbedded(o) },
    { name: 'broker-restart/mosquitto', missing: mosquittoMissing(), run: () => brokerRestartMosquitto(o) },
    { name: 'gateway-sigkill', missing: cliMissing(), run: () => gatewaySigkill(o) },
    { name: 'outages-together', missing: influxdMissing() ?? mosquittoMissing(), run: () => outagesTogether(SOAK ? { ...o, faultMs: 120_000 } : { ...o, faultMs: 6000 }) },
    { name: 'disk-full', missing: null, run: () => diskFull(o) },
  ];
}

/** The other helper's scenarios, by their exported names, if their modules have them. */
async function hostileScenarios(): Promise<{ scenarios: Scenario[]; note: string }> {
  const found: Scenario[] = [];
  const absent: string[] = [];
  const wanted: [string, string, string][] = [
    ['./support/hostile-scenarios.js', 'runHostileInput', 'hostile-input'],
    ['./support/hostile-access.js', 'runAccess', 'access'],
    ['./support/hostile-clock.js', 'runClockTrouble', 'clock-trouble'],
  ];
  for (const [file, name, scenario] of wanted) {
    const mod = (await import(file).catch(() => null)) as Record<string, unknown> | null;
    const fn = mod?.[name];
    if (typeof fn === 'function') found.push({ name: scenario, missing: null, run: () => (fn as () => Promise<FaultRow>)() });
    else absent.push(`${name} (${file})`);
  }
  return { scenarios: found, note: absent.length ? `not found, not run: ${absent.join(', ')}` : 'hostile-input, access and clock scenarios run with their suite options' };
}

function failedRow(name: string, o: ScenarioOptions, why: string): FaultRow {
  return { scenario: name, load: '', fault: '', published: 0, stored: 0, lost: 0, alarmsExpected: 0, alarmsRaised: 0, alarmsDuplicated: 0, recoverMs: null, notes: why };
}

function table(rows: readonly FaultRow[]): string {
  const head = ['scenario', 'load', 'fault', 'published', 'stored', 'lost', 'alarms exp', 'raised', 'dup', 'recover ms'];
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const body = rows.map((r) => [r.scenario, cut(r.load, 28), cut(r.fault, 70), r.published, r.stored, r.lost, r.alarmsExpected, r.alarmsRaised, r.alarmsDuplicated, r.recoverMs ?? '—'].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i >= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...body.map(line)].join('\n');
}

it(`runs every fault scenario and writes ${SOAK ? 'faults-soak' : 'faults'}.json`, async () => {
  const o = SOAK ? SOAK_OPTIONS : SUITE_OPTIONS;
  const hostile = await hostileScenarios();
  const rows: FaultRow[] = [];
  const startedAt = new Date().toISOString();
  const load1m = loadavg()[0];
  const chosen = [...ownScenarios(o), ...hostile.scenarios].filter((s) => ONLY.length === 0 || ONLY.includes(s.name));
  if (ONLY.length > 0 && chosen.length !== ONLY.length) throw new Error(`FAULTS_ONLY names a scenario that does not exist: ${ONLY.join(', ')}`);
  for (const s of chosen) {
    if (s.missing) {
      rows.push(failedRow(s.name, o, `not run: ${s.missing}`));
      continue;
    }
    const t0 = Date.now();
    try {
      const row = await s.run();
      rows.push({ ...row, notes: `${row.notes ?? ''}${row.notes ? '; ' : ''}scenario took ${Math.round((Date.now() - t0) / 1000)} s` });
    } catch (err) {
      rows.push(failedRow(s.name, o, `FAILED: ${(err as Error).message.split('\n')[0]}`));
    }
    process.stderr.write(`faults report: ${s.name} done in ${Math.round((Date.now() - t0) / 1000)} s\n`);
  }
  if (ONLY.length > 0 && existsSync(OUT)) {
    // Keep the other scenarios' rows of the last full run, in their order, with this run's in place.
    const earlier = (JSON.parse(readFileSync(OUT, 'utf8')) as { rows: FaultRow[] }).rows;
    const fresh = new Map(rows.map((r) => [r.scenario, r]));
    const merged = earlier.map((r) => fresh.get(r.scenario) ?? r);
    for (const r of rows) if (!earlier.some((e) => e.scenario === r.scenario)) merged.push(r);
    rows.splice(0, rows.length, ...merged);
  }
  const printed = table(rows);
  process.stdout.write(`\n${printed}\n\n`);
  for (const r of rows) if (r.notes) process.stdout.write(`${r.scenario}: ${r.notes}\n`);
  mkdirSync(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify(
      {
        machine: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`,
        loadavg_1m_at_start: load1m,
        started_at: startedAt,
        mode: SOAK ? 'soak' : 'suite',
        options: o,
        hostile: hostile.note,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  // The report is also a check: a lost acknowledged reading or a doubled alarm fails the run.
  expect(rows.filter((r) => r.notes?.startsWith('FAILED'))).toEqual([]);
  expect(rows.filter((r) => r.lost !== 0 || r.alarmsDuplicated !== 0).map((r) => r.scenario)).toEqual([]);
});
