// Turns shaobing.yaml (or the built-in demo) plus SHAOBING_* environment variables into the one
// typed, frozen Config the runtime passes down. Every problem is reported with a path and a fix.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';
import { effectiveRules, presetSiteRules } from './effective-rules.js';
import { notifySiteProblems } from './notify-sites.js';
import { formatPath, nearest } from './words.js';

export { formatPath, levenshtein, nearest } from './words.js';
import { isPresetName } from './presets/index.js';

export interface LoadOptions {
  /** An explicit config file (e.g. from SHAOBING_CONFIG or --config); it must exist. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** The built-in demo site, used when no file is given and the working directory has none. */
  readonly demo: () => ConfigInput;
}

export interface LoadedConfig {
  readonly config: Readonly<Config>;
  /** The file the config came from, or 'built-in demo'. */
  readonly source: string;
}

export const DEFAULT_FILE = 'shaobing.yaml';
export const DEMO_SOURCE = 'built-in demo';
const ENV_PREFIX = 'SHAOBING_';
/** Names the caller reads itself; they are not config keys. */
const ENV_NOT_OVERRIDES = new Set(['SHAOBING_CONFIG']);
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Path = readonly PropertyKey[];
type Tree = Record<string, unknown>;

export function loadConfig(options: LoadOptions): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const { input, source } = readInput(options, cwd);
  const overrides = envOverrides(env, source);
  const tree = structuredClone(input) as Tree; // never write into the caller's demo object
  for (const o of overrides) setAt(tree, o.path, o.value, o.name, source);
  return { config: deepFreeze(validate(tree, overrides, source)), source };
}

function readInput(options: LoadOptions, cwd: string): { input: unknown; source: string } {
  if (options.file !== undefined) {
    const file = resolve(cwd, options.file);
    if (!existsSync(file)) throw problem(file, file, 'config file not found', 'check the path or unset SHAOBING_CONFIG');
    return { input: parseYaml(file), source: file };
  }
  const local = resolve(cwd, DEFAULT_FILE);
  if (existsSync(local)) return { input: parseYaml(local), source: local };
  return { input: options.demo(), source: DEMO_SOURCE };
}

function parseYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw problem(file, file, `cannot read the config file: ${(err as Error).message}`, 'check its permissions');
  }
  const doc = parseDocument(text); // prettyErrors (the default) is what fills in linePos
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e): ConfigProblem => {
      const at = e.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : '(yaml)';
      const summary = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:$/, '');
      return { path: where, message: `YAML syntax error: ${summary} (${e.code})` };
    });
    throw new ConfigError(problems, problems.map((p) => `${file}: ${p.path}: ${p.message}`).join('\n'));
  }
  const value: unknown = doc.toJS();
  // An empty file is an empty mapping: the schema then says what is missing.
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw problem(file, '(top level)', 'the file must be a YAML mapping', 'start with keys such as `sites:`');
  }
  return value;
}

interface Override {
  readonly name: string;
  readonly path: readonly string[];
  readonly raw: string;
  readonly value: unknown;
}

/** SHAOBING_STORAGE__DATA_DIR → ['storage', 'dataDir']; `__` separates levels, `_` joins words. */
export function envOverrides(env: Readonly<Record<string, string | undefined>>, source = 'environment'): Override[] {
  const overrides: Override[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || ENV_NOT_OVERRIDES.has(name) || raw === undefined) continue;
    const segments = name.slice(ENV_PREFIX.length).split('__');
    if (segments.some((s) => s === '' || s.startsWith('_') || s.endsWith('_'))) {
      throw problem(source, name, 'malformed variable name', 'use SHAOBING_SECTION__KEY with single underscores inside a key');
    }
    const path = segments.map(camelCase);
    const reserved = path.find((p) => RESERVED_KEYS.has(p));
    if (reserved !== undefined) throw problem(source, name, `"${reserved}" cannot be a config key`, 'remove the variable');
    overrides.push({ name, path, raw, value: jsonOrString(raw) });
  }
  return overrides;
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Numbers, booleans and arrays arrive as JSON; anything else (paths, hosts) is a plain string. */
function jsonOrString(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw; // not JSON is the common case for strings, not a failure
  }
}

function setAt(tree: Tree, path: readonly string[], value: unknown, name: string, source: string): void {
  let node: Tree = tree;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) node[key] = {};
    else if (next === null || typeof next !== 'object') {
      throw problem(source, name, `${formatPath(path.slice(0, i + 1))} is not a section`, 'set a key that exists in the schema');
    }
    node = node[key] as Tree;
  }
}

function validate(tree: Tree, overrides: readonly Override[], source: string): Config {
  let result = configSchema.safeParse(tree);
  // A numeric-looking password or client id parses as a number; where the schema wants a string,
  // the variable meant the text, so retry once with the raw value instead of failing.
  if (!result.success) {
    const asText = overrides.filter((o) => result.error?.issues.some((i) => i.code === 'invalid_type' && i.expected === 'string' && samePath(i.path, o.path)));
    if (asText.length > 0) {
      for (const o of asText) setAt(tree, o.path, o.raw, o.name, source);
      result = configSchema.safeParse(tree);
    }
  }
  const problems = result.success ? [] : result.error.issues.flatMap((i) => describe(i, overrides, valueAt(tree, i.path)));
  // Cross-field checks (preset, reservoir levels, ruleOverrides) in the same run as the schema's,
  // so one run of check-config lists every problem it can find.
  if (result.success) {
    try {
      effectiveRules(result.data);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
    problems.push(...notifySiteProblems(result.data.notify, result.data.sites, result.data.regions));
  } else problems.push(...presetProblems(tree, problems));
  if (problems.length === 0 && result.success) return result.data;
  throw new ConfigError(problems, problems.map((p) => `${source}: ${p.path}: ${p.message}`).join('\n'));
}

/** The preset sites' own problems, on the file as written, where the schema left that site's preset fields alone. */
function presetProblems(tree: Tree, schemaProblems: readonly ConfigProblem[]): ConfigProblem[] {
  const sites = tree.sites;
  if (!Array.isArray(sites)) return [];
  const out: ConfigProblem[] = [];
  sites.forEach((site: unknown, i) => {
    if (site === null || typeof site !== 'object') return;
    const s = site as Tree;
    if (typeof s.preset !== 'string' || !isPresetName(s.preset)) return;
    if (s.ruleOverrides !== undefined && !(Array.isArray(s.ruleOverrides) && s.ruleOverrides.every((o) => o !== null && typeof o === 'object'))) return;
    if (s.reservoirLevels !== undefined && (s.reservoirLevels === null || typeof s.reservoirLevels !== 'object')) return;
    const mine = (p: ConfigProblem) => ['preset', 'ruleOverrides', 'reservoirLevels'].some((f) => p.path.startsWith(`sites[${i}].${f}`));
    if (schemaProblems.some(mine)) return; // the schema already said what is wrong there
    try {
      out.push(...presetSiteRules(s, i).problems);
    } catch {
      // Input the preset code cannot even read: the schema's problems above already cover this site.
    }
  });
  return out;
}

function describe(issue: z.core.$ZodIssue, overrides: readonly Override[], input: unknown): ConfigProblem[] {
  const fromEnv = (path: Path): string => {
    // Either path may be the longer: a variable can set a key below a value the schema refuses.
    const o = path.length === 0 ? undefined : overrides.find((x) => x.path.slice(0, path.length).every((k, i) => String(path[i]) === k));
    return o ? `; set by ${o.name}` : '';
  };
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(issue.path);
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const near = nearest(key, allowed);
      const hint = [near ? `did you mean "${near}"?` : '', allowed.length ? `allowed keys: ${allowed.join(', ')}` : ''].filter(Boolean).join(' ');
      return { path: formatPath(path), message: `key "${key}" is not allowed here (${hint || 'remove it'}${fromEnv(path)})` };
    });
  }
  const hint = hintFor(issue, input) + fromEnv(issue.path);
  return [{ path: formatPath(issue.path), message: hint ? `${issue.message} (${hint.replace(/^; /, '')})` : issue.message }];
}

function hintFor(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_value': {
      const values = issue.values.map(String);
      const near = typeof input === 'string' ? nearest(input, values) : undefined;
      return `${near ? `did you mean "${near}"? ` : ''}allowed values: ${values.join(', ')}`;
    }
    case 'invalid_type':
      return issue.message.endsWith('received undefined') ? `required: add ${String(issue.path.at(-1) ?? 'it')}` : `expected a ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'array' ? `needs at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}` : `minimum ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `at most ${issue.maximum} entries` : `maximum ${issue.maximum}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'expected a URL such as mqtt://127.0.0.1:1883';
      return issue.format === 'regex' ? '' : `expected ${issue.format} format`; // schema.ts words its patterns
    default:
      return ''; // custom issues from schema.ts already say how to fix them
  }
}

// zod leaves the input out of issues by default, so a suggestion looks the value up itself.
function valueAt(tree: unknown, path: Path): unknown {
  let node = tree;
  for (const key of path) node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return node;
}

function samePath(a: Path, b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => String(k) === b[i]);
}

interface DefLike {
  readonly type: string;
  readonly shape?: Record<string, z.core.$ZodType>;
  readonly element?: z.core.$ZodType;
  readonly valueType?: z.core.$ZodType;
  readonly innerType?: z.core.$ZodType;
  readonly in?: z.core.$ZodType;
}

/** The keys the schema allows at `path`, found by walking the schema itself (no second list to drift). */
function allowedKeys(path: Path): string[] {
  let def = unwrap(configSchema);
  for (const key of path) {
    const next = def?.type === 'object' ? def.shape?.[String(key)] : def?.type === 'array' ? def.element : def?.type === 'record' ? def.valueType : undefined;
    def = next ? unwrap(next) : undefined;
  }
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: z.core.$ZodType): DefLike | undefined {
  let def = schema._zod.def as DefLike;
  for (let i = 0; i < 10; i++) {
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return def;
    def = inner._zod.def as DefLike;
  }
  return def;
}

function problem(source: string, path: string, message: string, fix: string): ConfigError {
  const p = { path, message: `${message} (${fix})` };
  return new ConfigError([p], source === path ? `${path}: ${p.message}` : `${source}: ${path}: ${p.message}`);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The CLI's rendering: what is wrong, where, and what to do next. `heading` replaces "Shaobing cannot start". */
export function formatConfigError(err: ConfigError, heading = 'Shaobing cannot start'): string {
  const count = err.problems.length;
  const lines = [`${heading}: ${count} configuration problem${count === 1 ? '' : 's'}`, ...err.message.split('\n').map((l) => `  • ${l}`)];
  lines.push('', 'Fix the file or the SHAOBING_* variables, then run `shaobing check-config`.');
  return lines.join('\n');
}
