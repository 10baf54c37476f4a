// Checks a registry input with the config file's own schema (the same rules, the same words), and
// turns zod's issues into RegistryProblems an installer can act on: which row, which field, why.

import type { z } from 'zod';
import { deviceSchema, organisationSchema, regionSchema, siteSchema, type DeviceConfig, type OrganisationConfig, type RegionConfig, type SiteConfig } from '../config/schema.js';
import { presetSiteRules } from '../config/effective-rules.js';
import type { RegistryProblem } from './fleet-writer.js';
import { canonicalJson } from '../audit/canonical-json.js';

/** A dotted field path: ['channels', 'ch4', 'quantity'] → 'channels.ch4.quantity', [] → '(record)'. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(record)' : path.map(String).join('.');
}

export function problemsOf(error: z.ZodError, row?: number, prefix = ''): RegistryProblem[] {
  return error.issues.map((i) => ({ ...(row !== undefined ? { row } : {}), field: `${prefix}${fieldOf(i.path)}`, message: i.message }));
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: RegistryProblem[] };

export function checkSite(input: unknown): Checked<SiteConfig> {
  const parsed = siteSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  // A preset's own rules (reservoir levels, overrides) are checked as the file's are at load.
  const preset = parsed.data.preset === undefined ? [] : presetSiteRules(parsed.data, 0).problems;
  if (preset.length > 0) return { ok: false, problems: preset.map((p) => ({ field: p.path.replace(/^sites\[0\]\.?\s*/, ''), message: p.message })) };
  return { ok: true, value: parsed.data };
}

export function checkDevice(input: unknown, row?: number): Checked<DeviceConfig> {
  const parsed = deviceSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: problemsOf(parsed.error, row, 'device.') };
}

export function checkRegion(input: unknown): Checked<RegionConfig> {
  const parsed = regionSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: problemsOf(parsed.error) };
}

export function checkOrganisation(input: unknown): Checked<OrganisationConfig> {
  const parsed = organisationSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: problemsOf(parsed.error) };
}

/**
 * Whether two records hold the same values. Records parsed by the same schema list their keys in
 * the same order, so their JSON is compared first (fast: the common case of an unchanged record
 * in a file applied again); canonical JSON, key order aside, decides only when that differs.
 */
export function sameRecord(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b) || canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** The top-level fields whose values differ between two records (names only: never a hash or key). */
export function changedFields(before: object | undefined, after: object): string[] {
  if (before === undefined) return Object.keys(after).sort();
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !sameRecord(a[k], b[k])).sort();
}
