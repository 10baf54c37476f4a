// The config loader on real files in a temp directory: defaults, environment overrides, and
// messages that name the exact place and the fix when the file is wrong.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatConfigError, loadConfig, type LoadOptions } from '../../../gateway/src/config/load.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import { ConfigError } from '../../../gateway/src/errors.js';

const HASH = 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';

const MINIMAL = `
sites:
  - id: yinchuan-bbq-07
    name: 烧烤店 7
    devices:
      - id: gas-01
        kind: detector
        passwordHash: "${HASH}"
        channels:
          ch4: { quantity: methane_lel }
      - id: valve-01
        kind: valve
        passwordHash: "${HASH}"
`;

const demo = (): ConfigInput => ({
  sites: [{ id: 'demo', name: 'Demo kitchen', devices: [{ id: 'gas-01', kind: 'detector', passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' } } }] }],
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shaobing-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(text: string, name = 'site.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function load(options: Partial<LoadOptions> = {}) {
  return loadConfig({ cwd: dir, env: {}, demo, ...options });
}

/** Runs the loader expecting a ConfigError and returns it. */
function failure(options: Partial<LoadOptions>): ConfigError {
  try {
    load(options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** MINIMAL with one line replaced, so each bad file differs from a good one in one place. */
const minimalWith = (from: string, to: string): string => MINIMAL.replace(from, to);

describe('loading a valid file', () => {
  it('applies defaults to a minimal file and gives the kitchen rules', () => {
    const file = write(MINIMAL);
    const { config, source } = load({ file });
    expect(source).toBe(file);
    expect(config.broker.port).toBe(1883);
    expect(config.broker.mode).toBe('embedded');
    expect(config.storage.synchronous).toBe('FULL');
    expect(config.topicPrefix).toBe('shaobing');
    expect(config.rules.map((r) => r.id)).toEqual(KITCHEN_RULES.map((r) => r.id));
    expect(config.rules[0]?.levels).toEqual({ blue: 10, yellow: 20, orange: 25, red: 50 });
    expect(config.sites[0]?.timezone).toBe('Asia/Shanghai');
  });

  it('uses shaobing.yaml in the working directory when no file is named', () => {
    const file = write(MINIMAL, 'shaobing.yaml');
    expect(load().source).toBe(file);
  });

  it('falls back to the built-in demo when there is no file', () => {
    const { config, source } = load();
    expect(source).toBe('built-in demo');
    expect(config.sites[0]?.id).toBe('demo');
  });

  it('freezes the result all the way down', () => {
    const { config } = load({ file: write(MINIMAL) });
    const mutable = config as unknown as { broker: { port: number }; sites: { devices: { id: string }[] }[]; rules: unknown[] };
    // Test files are ES modules, so strict mode: writing to a frozen object throws.
    expect(() => { mutable.broker.port = 1; }).toThrow(TypeError);
    expect(() => { mutable.sites[0]!.devices[0]!.id = 'x'; }).toThrow(TypeError);
    expect(() => mutable.rules.push({})).toThrow(TypeError);
    expect(Object.isFrozen(KITCHEN_RULES[0]?.levels)).toBe(false); // the preset itself is not touched
  });
});

describe('environment overrides', () => {
  it('sets a number and nested strings, camel-casing words', () => {
    const env = { SHAOBING_BROKER__PORT: '1884', SHAOBING_STORAGE__DATA_DIR: '/var/lib/shaobing', SHAOBING_TOPIC_PREFIX: 'acme/shaobing', SHAOBING_STORAGE__COMMIT_INTERVAL_MS: '10' };
    const { config } = load({ file: write(MINIMAL), env });
    expect(config.broker.port).toBe(1884);
    expect(config.storage.dataDir).toBe('/var/lib/shaobing');
    expect(config.storage.commitIntervalMs).toBe(10);
    expect(config.topicPrefix).toBe('acme/shaobing');
  });

  it('does not treat SHAOBING_CONFIG or other variables as overrides', () => {
    const { config } = load({ file: write(MINIMAL), env: { SHAOBING_CONFIG: '/nowhere.yaml', PATH: '/usr/bin', HOME: undefined } });
    expect(config.broker.port).toBe(1883);
  });

  it('keeps a numeric-looking password as text', () => {
    const { config } = load({ file: write(MINIMAL), env: { SHAOBING_BROKER__PASSWORD: '123456', SHAOBING_API__ENABLED: 'false' } });
    expect(config.broker.password).toBe('123456');
    expect(config.api.enabled).toBe(false);
  });

  it('overrides the demo without changing the object the caller gave', () => {
    const input = demo();
    const { config } = load({ demo: () => input, env: { SHAOBING_BROKER__PORT: '2883' } });
    expect(config.broker.port).toBe(2883);
    expect(input).not.toHaveProperty('broker');
  });

  it.each(['SHAOBING___PROTO__', 'SHAOBING_BROKER____PROTO__', 'SHAOBING_CONSTRUCTOR', 'SHAOBING_BROKER__PROTOTYPE'])('refuses %s without touching Object.prototype', (name) => {
    const err = failure({ file: write(MINIMAL), env: { [name]: '{"polluted":true}' } });
    expect(err.message).toContain(name);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the variable behind an unknown key', () => {
    const err = failure({ file: write(MINIMAL), env: { SHAOBING_BROKER__PROT: '1884' } });
    expect(err.message).toContain('broker.prot');
    expect(err.message).toContain('did you mean "port"?');
    expect(err.message).toContain('set by SHAOBING_BROKER__PROT');
  });

  it('refuses to descend into a value the file set', () => {
    const err = failure({ file: write(`${MINIMAL}topicPrefix: acme\n`), env: { SHAOBING_TOPIC_PREFIX__LEVEL: 'x' } });
    expect(err.message).toMatch(/SHAOBING_TOPIC_PREFIX__LEVEL: topicPrefix is not a section/);
  });

  it('names the variable that put a section where a value belongs', () => {
    const err = failure({ file: write(MINIMAL), env: { SHAOBING_TOPIC_PREFIX__LEVEL: 'x' } });
    expect(err.problems.map((p) => p.path)).toEqual(['topicPrefix']);
    expect(err.message).toContain('set by SHAOBING_TOPIC_PREFIX__LEVEL');
  });
});

describe('a file with mistakes', () => {
  it('names the exact path and the allowed values of a bad enum, after the file name', () => {
    const file = write(minimalWith('kind: detector', 'kind: sensor'));
    const err = failure({ file });
    expect(err.problems.map((p) => p.path)).toEqual(['sites[0].devices[0].kind']);
    expect(err.message).toContain(`${file}: sites[0].devices[0].kind: `);
    expect(err.message).toContain('allowed values: detector, valve, fan');
  });

  it('suggests the nearest quantity for a typo in a channel', () => {
    const err = failure({ file: write(minimalWith('quantity: methane_lel', 'quantity: methane_le')) });
    expect(err.problems[0]?.path).toBe('sites[0].devices[0].channels.ch4.quantity');
    expect(err.problems[0]?.message).toContain('did you mean "methane_lel"?');
  });

  it('says which key is not allowed and suggests the one meant', () => {
    const err = failure({ file: write(`${MINIMAL}storage:\n  commitIntervalMS: 5\nbrokr:\n  port: 1884\n`) });
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p.message]));
    expect(byPath['storage.commitIntervalMS']).toMatch(/key "commitIntervalMS" is not allowed here \(did you mean "commitIntervalMs"\?/);
    expect(byPath['brokr']).toContain('did you mean "broker"?');
  });

  it('lists every problem, not only the first', () => {
    const text = minimalWith('kind: valve', 'kind: tap').replace('    name: 烧烤店 7\n', '') + 'broker:\n  port: "abc"\n';
    const err = failure({ file: write(text) });
    expect(err.problems.map((p) => p.path).sort()).toEqual(['broker.port', 'sites[0].devices[1].kind', 'sites[0].name']);
    expect(err.message).toContain('required: add name');
  });

  it.each([
    ['above', 'methane_lel', '{ yellow: 30, orange: 25 }', 'orange'],
    ['below', 'o2_pct', '{ yellow: 18, red: 19.5 }', 'red'],
  ])('refuses set points out of order for a rule that alarms %s, naming the level', (direction, quantity, levels, level) => {
    const rules = `rules:\n  - { id: r1, quantity: ${quantity}, direction: ${direction}, levels: ${levels} }\n`;
    const err = failure({ file: write(MINIMAL + rules) });
    expect(err.problems.map((p) => p.path)).toEqual([`rules[0].levels.${level}`]);
    expect(err.message).toContain(`${level} (`);
    expect(err.message).toContain(`must be ${direction} ${direction === 'above' ? 'yellow (30)' : 'yellow (18)'}`);
    expect(err.message).toContain(`alarms ${direction}`);
  });

  it('refuses a device id used twice in a site', () => {
    const err = failure({ file: write(minimalWith('id: valve-01', 'id: gas-01')) });
    expect(err.problems).toEqual([{ path: 'sites[0].devices[1].id', message: 'device id gas-01 appears twice in site yinchuan-bbq-07' }]);
  });

  it('refuses a topic prefix with a wildcard and the site id kept for dead letters', () => {
    const err = failure({ file: write(minimalWith('id: yinchuan-bbq-07', 'id: _deadletter') + 'topicPrefix: acme/+\n') });
    expect(err.problems.map((p) => p.path).sort()).toEqual(['sites[0].id', 'topicPrefix']);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const file = write('sites:\n  - id: a\n    name: [unclosed\n    devices: []\n');
    const err = failure({ file });
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line \\d+, column \\d+: YAML syntax error`));
    expect(err.problems[0]?.path).toMatch(/^line [3-5], column \d+$/);
  });

  it('says what is missing from an empty file', () => {
    const err = failure({ file: write('') });
    expect(err.problems).toEqual([{ path: 'sites', message: expect.stringContaining('required: add sites') }]);
  });

  it('refuses a file whose top level is not a mapping', () => {
    expect(failure({ file: write('- just\n- a list\n') }).message).toContain('must be a YAML mapping');
  });

  it('stops when the named file does not exist, naming it', () => {
    const missing = join(dir, 'nope', 'shaobing.yaml');
    const err = failure({ file: missing });
    expect(err.message).toContain(missing);
    expect(err.message).toContain('not found');
  });

  it('resolves a relative file against the working directory', () => {
    write(MINIMAL, 'relative.yaml');
    expect(load({ file: 'relative.yaml' }).source).toBe(join(dir, 'relative.yaml'));
  });
});

describe('formatConfigError', () => {
  it('renders one problem per line under a heading, with what to do next', () => {
    const err = failure({ file: write(minimalWith('kind: detector', 'kind: sensor') + 'storage:\n  synchronous: OFF\n') });
    const lines = formatConfigError(err).split('\n');
    expect(lines[0]).toBe('Shaobing cannot start: 2 configuration problems');
    expect(lines.filter((l) => l.startsWith('  • '))).toHaveLength(2);
    expect(lines.join('\n')).toContain('allowed values: FULL, NORMAL');
    expect(lines.at(-1)).toContain('shaobing check-config');
  });
});
