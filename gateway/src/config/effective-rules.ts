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
  for (const site of presetSites) {
    const resolved = presetSiteRules(site, config.sites.indexOf(site));
    problems.push(...resolved.problems);
    for (const input of resolved.rules) {
      const rule = ruleSchema.parse({ ...input, sites: [site.id] });
      const existing = byId.get(rule.id);
      if (existing === undefined) {
        rules.push(rule);
        byId.set(rule.id, rule);
      } else if (sameRule(existing, rule)) {
        existing.sites = [...(existing.sites ?? []), site.id];
      } else {
        const own = { ...rule, id: `${rule.id}@${site.id}` };
        rules.push(own);
        byId.set(own.id, own);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return rules;
}
