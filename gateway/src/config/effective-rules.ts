// The rules the detection engine runs: the global `rules` for sites without a preset, and each
// preset site's own rules (its preset with its overrides). Sites that share an unchanged preset
// share its rules; a site whose overrides change a rule gets that rule under `id@site`.

import { ConfigError, type ConfigProblem } from '../errors.js';
import type { PresetName, ReservoirLevels, RuleInput } from './presets/index.js';
import { resolveSiteRules, type RuleOverride } from './resolve-rules.js';
import { ruleSchema, type Config, type Rule } from './schema.js';

function sameRule(a: Rule, b: Rule): boolean {
  const { sites: _a, ...ra } = a;
  const { sites: _b, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb);
}

/** resolve-rules.ts names the fields as its own input does; a site in the config calls them this. */
const SITE_FIELD: Readonly<Record<string, string>> = { overrides: 'ruleOverrides', presetName: 'preset' };

function sitePath(index: number, path: string): string {
  const [, head = path, rest = ''] = /^([A-Za-z]+)(.*)$/.exec(path) ?? [];
  if (head in SITE_FIELD || head === 'reservoirLevels') return `sites[${index}].${SITE_FIELD[head] ?? head}${rest}`;
  // A problem of the resulting rule (e.g. set points out of order after an override): name the rule.
  return `sites[${index}] rule ${path}`;
}

const siteWords = (message: string): string => message.replace(/\boverrides\[/g, 'ruleOverrides[').replace(/\bpresetName: reservoir\b/g, 'preset: reservoir');

interface SiteLike {
  readonly preset?: unknown;
  readonly reservoirLevels?: unknown;
  readonly ruleOverrides?: unknown;
}

/**
 * The rules of one preset site, or the problems with its preset, reservoir levels and
 * `ruleOverrides` (each with its path in the config). Takes the site as the file holds it, so
 * check-config can report these beside the schema's own problems in one run.
 */
export function presetSiteRules(site: SiteLike, index: number): { rules: RuleInput[]; problems: ConfigProblem[] } {
  try {
    const rules = resolveSiteRules({
      presetName: site.preset as PresetName,
      ...(site.reservoirLevels !== undefined ? { reservoirLevels: site.reservoirLevels as ReservoirLevels } : {}),
      ...(site.ruleOverrides !== undefined ? { overrides: site.ruleOverrides as RuleOverride[] } : {}),
    });
    return { rules, problems: [] };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { rules: [], problems: err.problems.map((p) => ({ path: sitePath(index, p.path), message: siteWords(p.message) })) };
  }
}

/** What decides a preset site's rules: sites alike in it resolve to the same rules. */
function presetSignature(site: SiteLike): string {
  return JSON.stringify([site.preset, site.reservoirLevels, site.ruleOverrides]);
}

/**
 * Linear in the sites: a fleet of 10 000 kitchens on one preset resolves and validates the
 * preset's rules once, not once per site (11 s at 10 000 sites when each was resolved, parsed and
 * its site list copied anew), and the rules run again on every fleet change of preset sites.
 */
export function effectiveRules(config: Config): Rule[] {
  const presetSites = config.sites.filter((s) => s.preset !== undefined);
  if (presetSites.length === 0) return config.rules.map((r) => ({ ...r }));
  const plainSites = config.sites.filter((s) => s.preset === undefined).map((s) => s.id);

  const rules: Rule[] = [];
  for (const r of config.rules) {
    // A global rule stays off the preset sites unless it names them itself.
    if (r.sites) rules.push({ ...r, sites: [...r.sites] });
    else if (plainSites.length > 0) rules.push({ ...r, sites: [...plainSites] });
  }
  const byId = new Map(rules.map((r) => [r.id, r]));

  // Every site's problems in one error: a config with three bad sites is fixed in one pass.
  const problems: ConfigProblem[] = [];
  /** Per signature: each of its rules, parsed once, and whether the first site joined a shared rule. */
  const resolvedBy = new Map<string, { rule: Rule; shared: Rule | null }[]>();
  config.sites.forEach((site, index) => {
    if (site.preset === undefined) return;
    const signature = presetSignature(site);
    const known = resolvedBy.get(signature);
    if (known !== undefined) {
      // The same inputs give the same rules: join the shared ones; an own rule (`id@site`) is the site's own.
      for (const { rule, shared } of known) {
        if (shared !== null) shared.sites!.push(site.id);
        else rules.push({ ...rule, id: `${rule.id}@${site.id}`, sites: [site.id] });
      }
      return;
    }
    const resolved = presetSiteRules(site, index);
    problems.push(...resolved.problems);
    const outcome: { rule: Rule; shared: Rule | null }[] = [];
    for (const input of resolved.rules) {
      const rule = ruleSchema.parse({ ...input, sites: [site.id] });
      const existing = byId.get(rule.id);
      if (existing === undefined) {
        rules.push(rule);
        byId.set(rule.id, rule);
        outcome.push({ rule, shared: rule });
      } else if (sameRule(existing, rule)) {
        (existing.sites ??= []).push(site.id);
        outcome.push({ rule, shared: existing });
      } else {
        const own = { ...rule, id: `${rule.id}@${site.id}` };
        rules.push(own);
        byId.set(own.id, own);
        outcome.push({ rule, shared: null });
      }
    }
    // A site whose preset is refused is resolved again for each such site, so each is named.
    if (resolved.problems.length === 0) resolvedBy.set(signature, outcome);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return rules;
}
