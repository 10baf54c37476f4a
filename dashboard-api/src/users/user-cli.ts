// `shaobing user create|list|unlock|disable|enable`: people's accounts in the state database of the
// configured data directory, usable while the gateway runs (SQLite WAL). Each change is audited as
// done by `cli`. A password comes on stdin (--password-stdin), never as an argument (shell history,
// `ps`); without it a random one is made and printed once.

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashPassword } from '../../../broker/src/auth.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { ALL_SCOPE } from '../../../gateway/src/contract/scope.js';
import { parseScope, scopeText } from '../../../gateway/src/contract/scope-text.js';
import { isRole, ROLES } from '../roles.js';
import type { CliOutput } from '../token-cli.js';
import { roleScopeProblem, scopeProblem, type ScopeTargets } from './scope-check.js';
import { SessionStore } from './session-store.js';
import { USER_NAME, UserStore } from './user-store.js';

export const USER_USAGE = `Usage: shaobing user create NAME --role ${ROLES.join('|')} [--scope SCOPE] [--display-name TEXT] [--phone NUMBER] [--password-stdin] [--config FILE]
         SCOPE: all (the default), region:ID[,region:ID…], org:ID or site:ID (an owner needs site:ID)
         without --password-stdin a random password is printed once
       shaobing user list [--after NAME] [--limit N] [--config FILE]
       shaobing user unlock NAME | disable NAME | enable NAME [--config FILE]`;

const CLI_ACTOR = 'cli';
/** NIST SP 800-63B §5.1.1.2: at least 8 characters. */
const MIN_PASSWORD = 8;

export interface UserCliIo extends CliOutput {
  /** One line of stdin: the password with --password-stdin. */
  readPassword(): Promise<string>;
}

export interface UserCliPlace {
  dataDir(configFile: string | undefined): string;
  targets?(configFile: string | undefined): ScopeTargets;
}

function usage(io: CliOutput, problem: string): number {
  io.err(`shaobing user: ${problem}\n\n${USER_USAGE}`);
  return 2;
}

export async function userCommand(argv: string[], place: UserCliPlace, io: UserCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      role: { type: 'string' },
      scope: { type: 'string' },
      'display-name': { type: 'string' },
      phone: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      after: { type: 'string' },
      limit: { type: 'string' },
      config: { type: 'string' },
    },
  });
  if (!['create', 'list', 'unlock', 'disable', 'enable'].includes(sub ?? '')) return usage(io, `unknown subcommand ${JSON.stringify(sub ?? '')}`);
  const name = positionals[0];
  if (sub !== 'list' && (positionals.length !== 1 || name === undefined)) return usage(io, `${sub} takes one user NAME`);
  if (sub === 'create') {
    if (!USER_NAME.test(name!)) return usage(io, `NAME ${JSON.stringify(name)}: letters, digits and . _ - @, starting with a letter or digit, at most 64`);
    if (!isRole(values.role)) return usage(io, `--role must be one of ${ROLES.join(', ')}`);
    const parsed = values.scope === undefined ? ({ ok: true, scope: ALL_SCOPE } as const) : parseScope(values.scope);
    if (!parsed.ok) return usage(io, `--scope: ${parsed.problem}`);
    const problem = roleScopeProblem(values.role, parsed.scope) ?? (place.targets ? scopeProblem(parsed.scope, place.targets(values.config)) : null);
    if (problem) return usage(io, `--scope: ${problem}`);
    const generated = !values['password-stdin'];
    const password = generated ? randomBytes(12).toString('base64url') : await io.readPassword();
    if (password.length < MIN_PASSWORD) return usage(io, `the password on stdin has ${password.length} characters; at least ${MIN_PASSWORD}`);
    if (password.toLowerCase() === name!.toLowerCase()) return usage(io, 'the password on stdin is the user name: choose another');
    const passwordHash = await hashPassword(password);
    return withDb(place.dataDir(values.config), (users, _sessions, audit) => {
      const role = values.role as (typeof ROLES)[number];
      const made = audit.recorded(() => {
        const ok = users.create({ name: name!, displayName: values['display-name']?.trim() || name!, passwordHash, role, scope: parsed.scope, phone: values.phone ?? null }, CLI_ACTOR);
        return { result: ok, entry: { atMs: Date.now(), actor: CLI_ACTOR, action: 'user.create', target: name!, detail: { role, scope: scopeText(parsed.scope) } } };
      });
      if (!made) {
        io.err(`shaobing user create: user ${name} exists already (names do not differ by case)`);
        return 1;
      }
      if (generated) io.out(password);
      io.err(`user ${name} (${role}, scope ${scopeText(parsed.scope)}) created${generated ? '; its password is shown only this once' : ''}.`);
      return 0;
    });
  }
  return withDb(place.dataDir(values.config), (users, sessions, audit) => {
    if (sub === 'list') {
      const limit = values.limit === undefined ? 100 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return usage(io, '--limit: a whole number from 1 to 10000');
      const page = users.list(limit, values.after);
      for (const u of page.users) {
        const state = u.disabledAtMs !== null ? 'disabled' : u.lockedUntilMs !== null && u.lockedUntilMs > Date.now() ? 'locked  ' : 'active  ';
        io.out(`${u.name}  ${u.role.padEnd(7)}  ${state}  ${scopeText(u.scope)}  ${u.displayName}`);
      }
      if (page.next !== null) io.err(`more: shaobing user list --after ${page.next}`);
      return 0;
    }
    const existing = users.get(name!);
    if (!existing) {
      io.err(`shaobing user ${sub}: no user ${name}`);
      return 1;
    }
    audit.recorded(() => {
      const detail: Record<string, unknown> = {};
      if (sub === 'unlock') users.unlock(existing.name);
      if (sub === 'enable') users.update(existing.name, { disabled: false });
      if (sub === 'disable') {
        users.update(existing.name, { disabled: true });
        detail.sessionsEnded = sessions.endAllOf(existing.name);
      }
      return { result: null, entry: { atMs: Date.now(), actor: CLI_ACTOR, action: `user.${sub}`, target: existing.name, detail } };
    });
    io.out(`user ${existing.name} ${sub === 'unlock' ? 'unlocked' : sub === 'disable' ? 'disabled: its sessions ended' : 'enabled'}`);
    return 0;
  });
}

function withDb(dataDir: string, run: (users: UserStore, sessions: SessionStore, audit: AuditLog) => number): number {
  const db = openStateDb(dataDir);
  try {
    const users = new UserStore(db);
    // The session rule does not matter here: the command line only ends sessions.
    return run(users, new SessionStore(db, users, { idleMs: 0, absoluteMs: 1 }), new AuditLog(db));
  } finally {
    db.close();
  }
}
