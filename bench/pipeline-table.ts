// The pipeline benchmark's result as one table on stderr (the JSON goes to stdout): each run of
// each variant, the bare brokers first, with the gateway's share of its bare broker beside it.

import type { PipelineResult } from './pipeline.js';

interface Row {
  readonly variant: string;
  readonly offered_per_s: number;
  readonly acked_per_s: number;
  readonly readings_per_s: number;
  readonly sustained: boolean;
  readonly cpu_us_per_reading: number;
  readonly cpu_us_per_reading_by_thread?: Record<string, number> | null;
  readonly persist?: { p99_ms: number | null };
  readonly valve?: { p50_ms: number | null; p99_ms: number | null };
  readonly bare?: { puback_share: number | null; cpu_share: number | null };
}

const cell = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : String(x));

/** One headline line: the share, and whether each side was offered enough for it to mean a ceiling. */
function headline(gateway: string, broker: string, share: unknown, ceiling: unknown, bareReached: unknown, gatewayReached: unknown): string {
  const notes: string[] = [];
  if (bareReached !== true) notes.push(`bare ${broker} kept up with every rate offered: its figure is a lower bound of its ceiling`);
  if (gatewayReached !== true) notes.push(`the ${gateway} kept up with every rate offered: the share says what it was offered, not what it can take`);
  return `${gateway} / bare ${broker} (best PUBACKs/s): ${cell(share as number | null)} of ${cell(ceiling as number | null)}/s${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/** Markdown rows, so a run's output can be pasted into a note as it is. */
export function formatTable(r: PipelineResult): string {
  const rows = [...((r.bare_runs as Row[] | undefined) ?? []), ...((r.runs as Row[] | undefined) ?? [])];
  const lines = [
    '| variant | offered/s | PUBACKs/s | stored/s | sustained | persist p99 ms | valve p50 / p99 ms | CPU µs/reading | main / V8 helpers / journal / store | share of bare broker (PUBACKs, CPU) |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const x of rows) {
    const valve = x.valve ? `${cell(x.valve.p50_ms)} / ${cell(x.valve.p99_ms)}` : '—';
    const share = x.bare ? `${cell(x.bare.puback_share)}, ${cell(x.bare.cpu_share)}` : '—';
    const t = x.cpu_us_per_reading_by_thread;
    const threads = t ? `${t.main} / ${t.v8_helpers} / ${t.journal_worker} / ${t.store_worker}` : '—';
    lines.push(`| ${x.variant} | ${x.offered_per_s} | ${x.acked_per_s} | ${x.variant.startsWith('bare-') ? '—' : x.readings_per_s} | ${x.sustained ? 'yes' : 'no'} | ${cell(x.persist?.p99_ms)} | ${valve} | ${x.cpu_us_per_reading} | ${threads} | ${share} |`);
  }
  lines.push('', headline('embedded gateway', 'aedes', r.share_of_bare_aedes, r.bare_aedes_puback_per_s, r.bare_aedes_ceiling_reached, r.embedded_ceiling_reached));
  lines.push(headline('external gateway', 'Mosquitto', r.share_of_bare_mosquitto, r.bare_mosquitto_puback_per_s, r.bare_mosquitto_ceiling_reached, r.external_ceiling_reached));
  return lines.join('\n');
}

export function printTable(r: PipelineResult): void {
  process.stderr.write(`${formatTable(r)}\n`);
}
