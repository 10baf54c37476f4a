// Temporary data directories, removed after the test that made them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'shaobing-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // Retried: a worker thread or SQLite closing its WAL may still add a file while the tree is
  // removed, which rmSync reports as ENOTEMPTY on a loaded machine.
  return { path, remove: () => rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }) };
}
