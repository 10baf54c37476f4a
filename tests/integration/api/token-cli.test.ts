// `shaobing token create|list|revoke` against a state database on disk: the token is printed
// once, only its hash is stored, it works on the API of a gateway over the same directory, and
// each change is in the audit log.

import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { tokenCommand } from '../../../dashboard-api/src/token-cli.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';

function run(argv: string[], dataDir: string): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = tokenCommand(argv, () => dataDir, { out: (line) => void out.push(line), err: (line) => void err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('shaobing token', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('creates a token printed once and stored hashed, usable on the API, then revokes it', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const made = run(['create', '--role', 'officer', '--name', '值班员 王工'], dir.path);
    expect(made.code).toBe(0);
    const token = made.out.trim();
    expect(token).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    expect(made.err).toMatch(/created; it is shown only this once/);

    const db = new Database(join(dir.path, 'state.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM api_token').all() as Record<string, unknown>[];
    const audit = db.prepare('SELECT actor, action, target FROM audit_log').all();
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: 'officer', name: '值班员 王工', token_hash: hashToken(token) });
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(audit).toEqual([{ actor: 'cli', action: 'token.create', target: '值班员 王工' }]);

    const g = await startTestGateway(testConfig(dir.path));
    try {
      const me = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
      expect(me.json()).toEqual({ name: '值班员 王工', role: 'officer', scope: { kind: 'all' }, via: 'token' });
      // Revoked from the command line while the gateway runs: refused at the next request.
      const id = String(rows[0]!.id);
      expect(run(['list'], dir.path).out).toMatch(new RegExp(`^${id}  officer  active `));
      expect(run(['revoke', id], dir.path)).toMatchObject({ code: 0, out: `token ${id} revoked` });
      const after = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
      expect(after.statusCode).toBe(401);
      expect(run(['revoke', id], dir.path)).toMatchObject({ code: 1, err: `shaobing token revoke: ${id} is already revoked` });
      const verify = await g.api!.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: { authorization: `Bearer ${token}` } });
      expect(verify.statusCode).toBe(401);
    } finally {
      await g.stop();
    }
  });

  it('refuses a bad role, a blank name and a missing id with usage and exit 2', () => {
    const dir = tempDir();
    dirs.push(dir);
    expect(run(['create', '--role', 'root', '--name', 'x'], dir.path)).toMatchObject({ code: 2, err: expect.stringMatching(/--role must be one of viewer, owner, officer, admin/) });
    expect(run(['create', '--role', 'viewer', '--name', ' '], dir.path).code).toBe(2);
    expect(run(['revoke'], dir.path)).toMatchObject({ code: 2, err: expect.stringMatching(/give the token id/) });
    expect(run(['rotate'], dir.path)).toMatchObject({ code: 2, err: expect.stringMatching(/^Usage: shaobing token create/) });
    expect(run(['revoke', 'tk-nope'], dir.path)).toMatchObject({ code: 1, err: 'shaobing token revoke: no token tk-nope' });
  });
});
