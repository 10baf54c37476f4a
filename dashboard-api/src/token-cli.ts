// `shaobing token create|list|revoke`: API tokens in the state database of the configured data
// directory, usable while the gateway runs (SQLite WAL; the audit append takes the write lock).
// Output is for people, so it uses the console; a new token is printed once and never again.

import { parseArgs } from 'node:util';
import { openStateDb } from '../../gateway/src/store/state-db.js';
import { AuditLog } from '../../gateway/src/audit/audit-log.js';
import { ALL_SCOPE } from '../../gateway/src/contract/scope.js';
import { parseScope, scopeText } from '../../gateway/src/contract/scope-text.js';
import { isRole, ROLES, type Role } from './roles.js';
import { TokenStore } from './token-store.js';
import { roleScopeProblem, scopeProblem, type ScopeTargets } from './users/scope-check.js';

export const TOKEN_USAGE = `Usage: shaobing token create --role viewer|owner|officer|admin --name NAME [--scope SCOPE] [--config FILE]
         SCOPE: all (the default), region:ID[,region:ID…], org:ID or site:ID (an owner needs site:ID)
       shaobing token list [--config FILE]
       shaobing token revoke ID [--config FILE]`;

/** Who did it, in the audit log, when the command line did it. */
const CLI_ACTOR = 'cli';

/** Runs a token subcommand against the state database in `dataDir`; returns the exit code. */
/** Where a command-line run writes: stdout for results (the token itself), stderr for the rest. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

export function tokenCommand(argv: string[], dataDirOf: (configFile: string | undefined) => string, io: CliOutput, targetsOf?: (configFile: string | undefined) => ScopeTargets): number {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' }, config: { type: 'string' } },
  });
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    io.err(TOKEN_USAGE);
    return 2;
  }
  if (sub === 'create' && (!isRole(values.role) || !values.name?.trim())) {
    io.err(`shaobing token create: --role must be one of ${ROLES.join(', ')} and --name must not be blank\n\n${TOKEN_USAGE}`);
    return 2;
  }
  const parsed = values.scope === undefined ? ({ ok: true, scope: ALL_SCOPE } as const) : parseScope(values.scope);
  if (!parsed.ok) {
    io.err(`shaobing token create: --scope: ${parsed.problem}\n\n${TOKEN_USAGE}`);
    return 2;
  }
  if (sub === 'create') {
    const problem = roleScopeProblem(values.role!, parsed.scope) ?? (targetsOf ? scopeProblem(parsed.scope, targetsOf(values.config)) : null);
    if (problem) {
      io.err(`shaobing token create: --scope: ${problem}`);
      return 2;
    }
  }
  if (sub === 'revoke' && positionals.length !== 1) {
    io.err(`shaobing token revoke: give the token id (see shaobing token list)\n\n${TOKEN_USAGE}`);
    return 2;
  }
  const db = openStateDb(dataDirOf(values.config));
  try {
    const tokens = new TokenStore(db);
    const audit = new AuditLog(db);
    if (sub === 'create') {
      const role = values.role as Role;
      const name = values.name!.trim();
      const scope = parsed.scope;
      const made = db.transaction(() => {
        const m = tokens.create(name, role, CLI_ACTOR, scope);
        audit.append({ atMs: Date.now(), actor: CLI_ACTOR, action: 'token.create', target: name, detail: { tokenId: m.info.id, role, scope: scopeText(scope) } });
        return m;
      }).immediate();
      io.out(made.token);
      io.err(`token ${made.info.id} (${role}, "${name}", scope ${scopeText(scope)}) created; it is shown only this once.`);
      return 0;
    }
    if (sub === 'list') {
      for (const t of tokens.list()) {
        io.out(`${t.id}  ${t.role.padEnd(7)}  ${t.revokedAtMs === null ? 'active ' : 'revoked'}  ${new Date(t.createdAtMs).toISOString()}  ${t.name}  [${scopeText(t.scope)}]`);
      }
      return 0;
    }
    const id = positionals[0]!;
    const existing = tokens.get(id);
    const revoked = db.transaction(() => {
      const ok = tokens.revoke(id, CLI_ACTOR);
      if (ok) audit.append({ atMs: Date.now(), actor: CLI_ACTOR, action: 'token.revoke', target: id, detail: { name: existing?.name ?? null, role: existing?.role ?? null } });
      return ok;
    }).immediate();
    if (!revoked) {
      io.err(existing ? `shaobing token revoke: ${id} is already revoked` : `shaobing token revoke: no token ${id}`);
      return 1;
    }
    io.out(`token ${id} revoked`);
    return 0;
  } finally {
    db.close();
  }
}

/** The demo's tokens: a viewer and an officer, made in the demo's data directory before it starts. */
export function demoTokens(dataDir: string): { viewer: string; officer: string } {
  const db = openStateDb(dataDir);
  try {
    const tokens = new TokenStore(db);
    return { viewer: tokens.create('demo viewer', 'viewer', CLI_ACTOR).token, officer: tokens.create('demo officer 值班员', 'officer', CLI_ACTOR).token };
  } finally {
    db.close();
  }
}
