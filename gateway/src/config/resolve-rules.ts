// A site's rules: its preset, its overrides by rule id, its extra rules. And the rules as one YAML
// file (rules as code), read back with the schema's checks and messages that name the place.

import { Document, isScalar, LineCounter, parseDocument, visit, type ParsedNode } from 'yaml';
import type { z } from 'zod';
import { LEVELS, type Level } from '../contract/levels.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { formatPath, nearest } from './words.js';
import { isFixedPresetName, PRESET_NAMES, PRESETS, RESERVOIR_PRESET, type PresetName, type ReservoirLevels, type RuleInput } from './presets/index.js';
import { doseRuleSchema, rateRuleSchema, ruleSchema, thresholdRuleSchema, type Rule } from './schema.js';

/** A set point to change, or `null` to remove that level from the rule. */
export type LevelsOverride = { readonly [L in Level]?: number | null };

/** `Omit` for each member of a union (the plain `Omit` keeps only the keys every kind shares). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Changes one rule of the preset, found by id: scalars are replaced, `levels` merged per level.
 * The keys allowed are those of the rule's own kind (a rate rule's `windowS`, a dose rule's `refMin`…).
 */
export type RuleOverride = { readonly id: string; readonly levels?: LevelsOverride } & Partial<OmitEach<RuleInput, 'id' | 'levels'>>;

export interface SiteRulesInput {
  readonly presetName?: PresetName;
  /** Required by, and only allowed with, the `reservoir` preset. */
  readonly reservoirLevels?: ReservoirLevels;
  readonly overrides?: readonly RuleOverride[];
  /** Rules of the site's own, with ids of their own. */
  readonly extra?: readonly RuleInput[];
}

/** The settings each kind of rule has, in schema order. */
const RULE_KEYS = {
  threshold: Object.keys(thresholdRuleSchema.shape),
  rate: Object.keys(rateRuleSchema.shape),
  dose: Object.keys(doseRuleSchema.shape),
} as const satisfies Record<Rule['kind'], readonly string[]>;

/** The keys a rule of this kind may hold; a rule without a (known) kind is read as a threshold rule. */
function ruleKeys(rule: unknown): readonly string[] {
  const kind = rule !== null && typeof rule === 'object' ? (rule as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && Object.hasOwn(RULE_KEYS, kind) ? RULE_KEYS[kind as Rule['kind']] : RULE_KEYS.threshold;
}

/**
 * The site's rule inputs, validated with ruleSchema (every kind). Pure: the presets are copied, never
 * changed. Throws ConfigError listing every problem (unknown rule id, bad set point order…).
 */
export function resolveSiteRules(input: SiteRulesInput): RuleInput[] {
  const problems: ConfigProblem[] = [];
  const rules = presetRules(input, problems);
  const origin = new Map<string, string>(rules.map((r) => [r.id, `preset ${input.presetName ?? ''}`]));

  input.overrides?.forEach((override, i) => {
    const at = `overrides[${i}]`;
    const rule = rules.find((r) => r.id === override.id);
    if (rule === undefined) {
      const ids = rules.map((r) => r.id);
      const near = nearest(String(override.id), ids);
      const where = input.presetName === undefined ? 'no preset was chosen' : `preset ${input.presetName} has: ${ids.join(', ')}`;
      problems.push({ path: `${at}.id`, message: `no rule "${String(override.id)}" to override (${near ? `did you mean "${near}"? ` : ''}${where})` });
      return;
    }
    applyOverride(rule, override, at, problems);
    origin.set(rule.id, `${origin.get(rule.id) ?? ''}, changed by ${at}`);
  });

  input.extra?.forEach((extra, i) => {
    if (origin.has(extra.id)) {
      problems.push({ path: `extra[${i}].id`, message: `rule id ${extra.id} is already taken (${origin.get(extra.id)}); change that rule with an override or give this one another id` });
      return;
    }
    rules.push(structuredClone(extra));
    origin.set(extra.id, `extra[${i}]`);
  });

  for (const rule of rules) {
    const result = ruleSchema.safeParse(rule);
    if (result.success) continue;
    for (const issue of result.error.issues) {
      const p = describeIssue(issue, rule);
      problems.push({ path: `${rule.id}.${p.path}`.replace(/\.\(top level\)$/, ''), message: `${p.message} (rule from ${origin.get(rule.id)})` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return rules;
}

function presetRules(input: SiteRulesInput, problems: ConfigProblem[]): RuleInput[] {
  const name = input.presetName;
  if (name === undefined) {
    if (input.reservoirLevels !== undefined) problems.push({ path: 'reservoirLevels', message: 'reservoirLevels need presetName: reservoir' });
    return [];
  }
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    const near = nearest(String(name), PRESET_NAMES);
    problems.push({ path: 'presetName', message: `no preset "${String(name)}" (${near ? `did you mean "${near}"? ` : ''}presets: ${PRESET_NAMES.join(', ')})` });
    return [];
  }
  if (isFixedPresetName(name)) {
    if (input.reservoirLevels !== undefined) problems.push({ path: 'reservoirLevels', message: `reservoirLevels apply only to the reservoir preset, not ${name}` });
    return structuredClone(PRESETS[name].rules) as RuleInput[];
  }
  if (input.reservoirLevels === undefined) {
    problems.push({ path: 'reservoirLevels', message: 'the reservoir preset needs the gauge levels: floodLimitM, warningM, guaranteedM, historicalMaxM (metres)' });
    return [];
  }
  try {
    return RESERVOIR_PRESET.rules(input.reservoirLevels);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    return [];
  }
}

function applyOverride(rule: RuleInput, override: RuleOverride, at: string, problems: ConfigProblem[]): void {
  const target = rule as Record<string, unknown>;
  const keys = ruleKeys(rule).filter((k) => k !== 'id');
  const kind = rule.kind ?? 'threshold';
  for (const [key, value] of Object.entries(override)) {
    if (key === 'id') continue;
    if (!keys.includes(key)) {
      const near = nearest(key, keys);
      problems.push({ path: `${at}.${key}`, message: `key "${key}" is not a rule setting (${near ? `did you mean "${near}"? ` : ''}allowed keys for a ${kind} rule: ${keys.join(', ')})` });
    } else if (key === 'kind') {
      if (value !== kind) problems.push({ path: `${at}.kind`, message: `an override cannot change the kind of rule ${rule.id} (${kind}); add a rule of its own under extra instead` });
    } else if (key !== 'levels') {
      target[key] = structuredClone(value);
    } else if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ path: `${at}.levels`, message: 'levels must be a mapping such as { red: 40 } (null removes a level)' });
    } else {
      const levels = { ...rule.levels } as Record<string, number | undefined>;
      for (const [level, setPoint] of Object.entries(value as Record<string, unknown>)) {
        if (!(LEVELS as readonly string[]).includes(level)) {
          const near = nearest(level, LEVELS);
          problems.push({ path: `${at}.levels.${level}`, message: `"${level}" is not a level (${near ? `did you mean "${near}"? ` : ''}levels: ${LEVELS.join(', ')})` });
        } else if (setPoint === null) delete levels[level];
        else if (typeof setPoint === 'number' && Number.isFinite(setPoint)) levels[level] = setPoint;
        else problems.push({ path: `${at}.levels.${level}`, message: `a set point must be a number, or null to remove the level (got ${JSON.stringify(setPoint)})` });
      }
      rule.levels = levels;
    }
  }
}

/** One rule issue as a user reads it: where (relative to the rule) and what to do. */
function describeIssue(issue: z.core.$ZodIssue, rule: unknown): ConfigProblem {
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.path.at(-1) === 'levels' ? [...LEVELS] : ruleKeys(valueAt(rule, issue.path));
    const hints = issue.keys.map((k) => {
      const near = nearest(k, allowed);
      return `"${k}"${near ? ` (did you mean "${near}"?)` : ''}`;
    });
    return { path: formatPath(issue.path), message: `key ${hints.join(', ')} not allowed here (allowed keys: ${allowed.join(', ')})` };
  }
  if (issue.code === 'invalid_value') {
    const values = issue.values.map(String);
    const given = valueAt(rule, issue.path);
    const near = typeof given === 'string' ? nearest(given, values) : undefined;
    return { path: formatPath(issue.path), message: `${JSON.stringify(given)} is not allowed (${near ? `did you mean "${near}"? ` : ''}allowed values: ${values.join(', ')})` };
  }
  if (issue.code === 'invalid_type' && valueAt(rule, issue.path) === undefined) {
    return { path: formatPath(issue.path), message: `required: add ${String(issue.path.at(-1) ?? 'it')} (${issue.expected})` };
  }
  return { path: formatPath(issue.path), message: issue.message };
}

function valueAt(tree: unknown, path: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const key of path) node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return node;
}

const HEADER = ' Shaobing alarm rules (rules as code). Every default is written out; edit, then import.';

/** The rules as one YAML file, defaults filled in so every number is visible. Throws ConfigError if a rule is invalid. */
export function exportRules(rules: readonly RuleInput[]): string {
  const parsed = validateRules(rules, null);
  const doc = new Document({ rules: parsed });
  doc.commentBefore = HEADER;
  visit(doc, {
    Pair(_, pair) {
      // `levels: { blue: 10, red: 50 }` reads as one line per rule, the way the presets are written.
      if (isScalar(pair.key) && (pair.key.value === 'levels' || pair.key.value === 'sites')) (pair.value as { flow?: boolean }).flow = true;
    },
  });
  return doc.toString();
}

/** Reads a rules file (a mapping with `rules:`, or a bare list); throws ConfigError with path and line. */
export function importRules(text: string): Rule[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        return { path: at ? `line ${at.line}, column ${at.col}` : '(yaml)', message: `YAML syntax error: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:$/, '')} (${e.code})` };
      }),
    );
  }
  const value: unknown = doc.toJS();
  let list: unknown = value;
  let prefix: PropertyKey[] = [];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const extra = Object.keys(value).filter((k) => k !== 'rules');
    if (extra.length > 0) throw new ConfigError(extra.map((k) => ({ path: formatPath([k]), message: `key "${k}" is not allowed here (a rules file holds only rules:)` })));
    list = (value as { rules?: unknown }).rules;
    prefix = ['rules'];
  }
  if (!Array.isArray(list)) throw new ConfigError([{ path: formatPath(prefix), message: 'expected a list of rules (start with `rules:` and one `- id: …` per rule)' }]);
  return validateRules(list, { doc, lineCounter, prefix });
}

interface Source {
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  readonly prefix: readonly PropertyKey[];
}

function validateRules(rules: readonly unknown[], source: Source | null): Rule[] {
  const prefix = source?.prefix ?? ['rules'];
  const problems: ConfigProblem[] = [];
  const parsed: Rule[] = [];
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const result = ruleSchema.safeParse(rule);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const p = describeIssue(issue, rule);
        problems.push({ path: formatPath([...prefix, i, ...issue.path]), message: p.message + lineOf(source, [i, ...issue.path]) });
      }
      return;
    }
    if (seen.has(result.data.id)) problems.push({ path: formatPath([...prefix, i, 'id']), message: `rule id ${result.data.id} appears twice${lineOf(source, [i, 'id'])}` });
    seen.add(result.data.id);
    parsed.push(result.data);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}

/** ` (line 12)` for the deepest node of `path` that the YAML has, or '' when reading objects. */
function lineOf(source: Source | null, path: readonly PropertyKey[]): string {
  if (source === null) return '';
  const full = [...source.prefix, ...path];
  for (let n = full.length; n >= 0; n--) {
    const node: unknown = n === 0 ? source.doc.contents : source.doc.getIn(full.slice(0, n), true);
    const range = (node as Partial<ParsedNode> | null | undefined)?.range;
    if (range) return ` (line ${source.lineCounter.linePos(range[0]).line})`;
  }
  return '';
}
