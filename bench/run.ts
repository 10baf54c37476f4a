// Runs every benchmark and prints one summary: the detection core (bench/core.ts), staleness
// timers (bench/stale.ts), the whole gateway ingest path (bench/ingest.ts), the InfluxDB sink, the
// end-to-end pipeline (bench/pipeline.ts), then the fleet (import, login storm, page first paint). Exits non-zero if any acknowledged message was lost.
// Run: npm run bench            (full run, writes bench/results/*.json)
//      node --expose-gc dist/bench/run.js [--quick]
//   --quick: small counts for a smoke check; writes no results.

import { parseArgs } from 'node:util';
import { runCoreBench } from './core.js';
import { runIngestBench } from './ingest.js';
import { runStaleBench } from './stale.js';
import { runSinkBench } from './sink.js';
import { runPipelineBench } from './pipeline.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fleet's benchmarks, each its own process (each starts a gateway of its own size), then its result file. */
function fleetBench(script: string, result: string): Record<string, unknown> {
  execFileSync(process.execPath, ['--expose-gc', join(dirname(fileURLToPath(import.meta.url)), script)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(result, 'utf8')) as Record<string, unknown>;
}

function fmt(v: number | string | undefined, unit = ''): string {
  if (v === undefined) return '-';
  return `${typeof v === 'number' ? v.toLocaleString('en') : v}${unit}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const quick = values.quick === true;

  const t0 = Date.now();
  const core = await runCoreBench(quick ? { readings: 200_000, sensors: 2_000, memSensors: 10_000, outFile: null } : {});
  const stale = await runStaleBench(quick ? { sensors: 10_000, minutes: 2, outFile: null } : {});
  const t1 = Date.now();
  const ingest = await runIngestBench(quick ? { messages: 10_000, publishers: 2, repeats: 1, warmupMessages: 0, idleMessages: 50, outFile: null } : {});
  const t2 = Date.now();

  const rows: [string, string][] = [
    ['machine', String(ingest.machine)],
    ['core: detect', fmt(core.detect_per_s, ' readings/s')],
    ['core: decode+validate+detect', `${fmt(core.parse_validate_detect_per_s, ' readings/s')} (${fmt(core.parse_validate_detect_msgs_per_s, ' msg/s')})`],
    ['core: heap per sensor', `${fmt(core.bytes_per_sensor, ' B')} (gc: ${core.gc})`],
    ['core: all rule kinds (100k sensors)', `${fmt(core.detect_all_rules_per_s, ' readings/s')}, ${fmt(core.bytes_per_sensor_all_rules, ' B/sensor')}`],
    ['staleness: 100k sensors', `${fmt(stale.seen_per_s, ' seen/s')}, tick p99 ${fmt(stale.tick_ms_p99)} ms, ${fmt(stale.bytes_per_sensor, ' B/sensor')}`],
    [
      `ingest: ${fmt(ingest.messages)} msg, ${ingest.publishers} pub x ${ingest.in_flight} in flight`,
      `commit every ${ingest.commit_interval_ms} ms, median of ${ingest.repeats}`,
    ],
  ];
  for (const k of ['full', 'normal']) {
    if (ingest[`messages_per_s_${k}`] === undefined) continue;
    rows.push([
      `ingest: synchronous=${k.toUpperCase()}`,
      `${fmt(ingest[`messages_per_s_${k}`], ' msg/s')}, PUBACK p50 ${fmt(ingest[`puback_p50_ms_${k}`])} / p99 ${fmt(ingest[`puback_p99_ms_${k}`])} / max ${fmt(ingest[`puback_max_ms_${k}`])} ms (runs ${ingest[`messages_per_s_${k}_runs`]})`,
    ]);
  }
  if (ingest.idle_puback_p50_ms !== undefined) {
    rows.push(['ingest: one device, 1 in flight', `PUBACK p50 ${fmt(ingest.idle_puback_p50_ms)} / p99 ${fmt(ingest.idle_puback_p99_ms)} ms`]);
  }
  rows.push(['ingest: lost (acked - rows, all runs)', `${fmt(ingest.lost)} (journal ${fmt(ingest.lost_journal)}, store ${fmt(ingest.lost_store)})`]);
  rows.push(['ingest: store drain backlog at end', fmt(ingest.drain_backlog_rows, ' rows')]);
  // InfluxDB sink (bench/sink.ts): spool → local influxd 1.x.
  const sink = await runSinkBench(quick ? { rows: 20_000, outFile: null } : {});
  rows.push(['sink: spool → influxd 1.x', `${fmt(sink.points_per_s, ' points/s')} sustained, backlog ${fmt(sink.backlog_drain_points_per_s, ' points/s')}, ${fmt(sink.journal_bytes_per_reading, ' B/reading')}, lost ${fmt(sink.lost)}`]);
  // End-to-end pipeline (bench/pipeline.ts): devices → broker → gateway → store and valves, Node-RED beside it.
  const pipeline = await runPipelineBench(
    quick
      ? { devices: 200, devicesPerSite: 20, rates: [2000], durationS: 4, warmupS: 1, leaks: 4, warmupLeaks: 1, variants: ['embedded-sqlite'], memorySensors: [10_000], nodeRed: false, outFile: null }
      : {},
  );
  rows.push([
    'pipeline: embedded + SQLite',
    `${fmt(pipeline.readings_per_s as number, ' readings/s')} (sustained: ${String(pipeline.readings_per_s_sustained)}), lost ${fmt(pipeline.lost as number)}, red→valve p50 ${fmt(pipeline.valve_p50_ms as number)} / p99 ${fmt(pipeline.valve_p99_ms as number)} ms, vs Node-RED ${fmt((pipeline.vs_node_red as number | null) ?? 'n/a')}`,
  ]);
  if (!quick) {
    // The fleet: 10 000 devices imported, 10 000 devices logging in after a restart, the page over 10 000 sites.
    const imported = fleetBench('import.js', 'bench/results/import.json');
    rows.push(['fleet: import 10 000 devices', `${fmt(imported.seconds as number, ' s')} (${fmt(imported.rows_per_s as number, ' rows/s')}), first device connected in ${fmt(imported.first_device_connect_ms as number, ' ms')}`]);
    const storm = (fleetBench('login-storm.js', 'bench/results/login-storm.json') as Record<string, Record<string, unknown>>).after ?? {};
    rows.push(['fleet: login storm, 10 000 devices', `all back after ${fmt(storm.restart_all_back_ms as number, ' ms')}`]);
    const paint = fleetBench('page-paint.js', 'bench/results/page-paint.json');
    rows.push(['fleet: page over 10 000 sites', `first contentful paint ${fmt(paint.first_contentful_paint_ms_p50 as number, ' ms')}, first site card ${fmt(paint.first_site_card_ms_p50 as number, ' ms')}`]);
  }
  rows.push(['time', `core ${((t1 - t0) / 1000).toFixed(1)} s, ingest ${((t2 - t1) / 1000).toFixed(1)} s${quick ? ' (--quick: nothing written)' : ', written to bench/results/'}`]);

  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`Shaobing benchmarks${quick ? ' (quick)' : ''}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);

  if (ingest.lost !== 0) {
    console.error(`FAIL: ${ingest.lost} acknowledged messages are not in the journal`);
    process.exitCode = 1;
  }
  if (pipeline.lost !== 0) {
    console.error(`FAIL: ${String(pipeline.lost)} acknowledged readings are not in the pipeline's store`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
