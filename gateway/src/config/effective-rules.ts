// The rules the detection engine runs: the global `rules` for sites without a preset, and each
// preset site's own rules (its preset with its overrides). Sites that share an unchanged preset
// share its rules; a site whose overrides change a rule gets that rule under `id@site`.

import { ConfigError } from '../errors.js';
import { resolveSiteRules, type RuleOverride } from './resolve-rules.js';
import { ruleSchema, type Config, type Rule } from './schema.js';

function sameRule(a: Rule, b: Rule): boolean {
  const { sites: _a, ...ra } = a;
  const { sites: _b, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb);
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

  for (const site of presetSites) {
    let inputs;
    try {
      inputs = resolveSiteRules({
        presetName: site.preset!,
        ...(site.reservoirLevels ? { reservoirLevels: site.reservoirLevels } : {}),
        ...(site.ruleOverrides ? { overrides: site.ruleOverrides as unknown as RuleOverride[] } : {}),
      });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const index = config.sites.indexOf(site);
      throw new ConfigError(err.problems.map((p) => ({ path: `sites[${index}].${p.path}`, message: p.message })));
    }
    for (const input of inputs) {
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
  return rules;
}
