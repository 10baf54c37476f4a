// Every pointer in the repository leads somewhere a reader of the repository can go: no comment,
// doc, config or test names a design note that is not shipped or a number in our tracker, and
// every docs/*.md a file names exists. A fact keeps its figure or standard beside it instead; a
// third-party bug is cited as `project#N` or by its URL.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Not ours to word (installed packages, build output, git) or measured data written by the benchmarks. */
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'data', '.tmp', 'test-results', 'coverage']);
const SKIP_PATHS = new Set(['bench/results', 'package-lock.json']);
const MAX_BYTES = 1024 * 1024;

// Built from parts so that this file does not match itself.
const MD = '\\.md\\b';
const POINTERS: ReadonlyArray<{ what: string; re: RegExp }> = [
  { what: 'a design note not in the repository', re: new RegExp(`\\b(?:DESIGN|STACK|DOMAIN|STYLE)${MD}`) },
  { what: 'a folder outside the repository', re: new RegExp(['\\.\\./', 'shared\\b|/work/', 'shared\\b'].join('')) },
  { what: 'an issue number', re: new RegExp(['\\bissues?', ' ?#?\\d+'].join(''), 'i') },
];
const DOC_PATH = /\bdocs\/[\w.-]+\.md\b/g;

interface Hit {
  at: string; // file:line
  text: string;
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(ROOT, path);
    if (SKIP_PATHS.has(rel)) continue;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* files(path);
    } else if (entry.isFile() && statSync(path).size <= MAX_BYTES) {
      yield path;
    }
  }
}

/** The repository's text files, line by line (a file with a NUL byte is binary and skipped). */
function* lines(): Generator<{ file: string; line: number; text: string }> {
  for (const path of files(ROOT)) {
    const body = readFileSync(path, 'utf8');
    if (body.includes('\0')) continue;
    const file = relative(ROOT, path);
    const all = body.split('\n');
    for (let i = 0; i < all.length; i++) yield { file, line: i + 1, text: all[i]! };
  }
}

/** A GitHub issue or pull URL names a public project's thread: that pointer can be followed. */
function outsidePointer(text: string): string | undefined {
  for (const { what, re } of POINTERS) {
    if (!re.test(text)) continue;
    if (what === 'an issue number' && /github\.com\/[\w.-]+\/[\w.-]+\/(?:issues|pull)\/\d+/.test(text)) continue;
    return what;
  }
  return undefined;
}

describe('pointers in the repository', () => {
  const scanned = [...lines()];

  it('reads the whole tree, broker and API included', () => {
    const seen = new Set(scanned.map((l) => l.file));
    for (const file of ['broker/src/server.ts', 'dashboard-api/src/app.ts', 'gateway/src/runtime.ts', 'README.md', 'shaobing.yaml', 'docs/architecture.md']) {
      expect(seen, file).toContain(file);
    }
  });

  it('names no design note, outside folder or issue number', () => {
    const hits: Hit[] = [];
    for (const { file, line, text } of scanned) {
      const what = outsidePointer(text);
      if (what) hits.push({ at: `${file}:${line}`, text: `${what}: ${text.trim()}` });
    }
    // The diff vitest prints names each file:line to rewrite: keep the fact, drop the pointer.
    expect(hits).toEqual([]);
  });

  it('names only docs that exist', () => {
    const missing: Hit[] = [];
    for (const { file, line, text } of scanned) {
      for (const doc of text.match(DOC_PATH) ?? []) {
        if (!existsSync(join(ROOT, doc))) missing.push({ at: `${file}:${line}`, text: doc });
      }
    }
    expect(missing).toEqual([]);
  });

  it('tells a pointer from a citation', () => {
    expect(outsidePointer('// see DESIGN' + '.md, Topics')).toBeDefined();
    expect(outsidePointer('# drop a subscriber (STACK' + '.md: 10–60 s)')).toBeDefined();
    expect(outsidePointer('// (Issue' + ' 8, Clock trouble)')).toBeDefined();
    expect(outsidePointer('// from the embedded store (issues' + ' 4 and 5)')).toBeDefined();
    expect(outsidePointer('/** Flags (docs: /work/' + 'shared/STACK' + '.md) */')).toBeDefined();
    expect(outsidePointer('// aedes#123: a stale will is published with a null client')).toBeUndefined();
    expect(outsidePointer('// rabbitmq-server #8096 (https://github.com/rabbitmq/rabbitmq-server/issues/8096)')).toBeUndefined();
    expect(outsidePointer('// GB/T 50493-2019 §5.2: first-level alarm ≤ 25 %LEL (docs/architecture.md)')).toBeUndefined();
  });
});
