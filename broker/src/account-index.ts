// The broker's accounts by MQTT username, kept in step with the fleet while it runs: a device
// created through the API logs in at once, a removed or re-keyed one is named for disconnection.
// Typed structurally (sites with devices, like the config) because broker/ imports only the contract.

import { deviceKey, type DeviceId, type SiteId } from '../../gateway/src/contract/ids.js';

/** Who a connected MQTT client is; the ACL (acl.ts) decides what that identity may touch. */
export type Identity =
  | { readonly role: 'device'; readonly site: SiteId; readonly device: DeviceId }
  | { readonly role: 'gateway'; readonly username: string };

/** A device account: `static` checks a scrypt hash; `signed` a one-time password (signed-login.ts). */
export interface DeviceAccount {
  readonly id: string;
  readonly auth?: 'static' | 'signed';
  readonly passwordHash?: string | undefined;
  /** Hex of the key derived from the device's secret (signed-login.ts deriveLoginKey). */
  readonly loginKey?: string | undefined;
}

/** A site as the broker sees it: its id and its devices' credentials (a SiteConfig fits). */
export interface AccountSite {
  readonly id: string;
  readonly devices: ReadonlyArray<DeviceAccount>;
}

export interface GatewayUser {
  readonly username: string;
  readonly passwordHash: string;
  readonly role: 'gateway';
}

/**
 * The accounts at start, shaped like the config (`sites[].devices[]` and `broker.users`).
 * Gateway users come from the config alone; devices follow the fleet (applySites).
 */
export interface AuthAccounts {
  readonly sites: ReadonlyArray<AccountSite>;
  readonly users?: ReadonlyArray<GatewayUser>;
}

/** One site's move, `before` absent when it is new and `after` absent when it was removed (a SiteChange fits). */
export interface AccountSiteChange {
  readonly before: AccountSite | undefined;
  readonly after: AccountSite | undefined;
}

/** What applySites did, by username. */
export interface AccountMoves {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Credential changed (password hash, login key, static ↔ signed); channels or space alone are no change. */
  readonly rekeyed: readonly string[];
  /** Devices left out of the index (or taken out of it) because their account cannot be used. */
  readonly refused: ReadonlyArray<{ readonly username: string; readonly message: string }>;
  /** Accounts whose live connections and remembered logins are no longer good: removed, re-keyed, refused. */
  readonly revoked: readonly string[];
}

export type Account =
  | { readonly identity: Identity; readonly passwordHash: string; readonly loginKey?: undefined }
  | { readonly identity: Identity; readonly loginKey: Buffer; readonly passwordHash?: undefined };

/**
 * A static-password device is kept as its hash alone (the config's own string, not a copy), its
 * identity read back from the username (`site/device`; ids hold no `/`) when it logs in: about
 * 100 B per device at 100 000 devices, 160 B for a signed one (bench/account-index.ts).
 */
type StoredAccount = Account | string;

const LOGIN_KEY = /^[0-9a-f]{64}$/;

/** Thrown for a device whose account cannot be used (signed without loginKey, static without hash). */
export class AccountRefused extends TypeError {}

function storedDevice(identity: Identity, username: string, device: DeviceAccount): StoredAccount {
  if (device.auth === 'signed') {
    if (device.loginKey === undefined || !LOGIN_KEY.test(device.loginKey)) throw new AccountRefused(`device ${username} logs in signed but has no loginKey (64 hex digits)`);
    return { identity, loginKey: Buffer.from(device.loginKey, 'hex') };
  }
  if (device.passwordHash === undefined) throw new AccountRefused(`device ${username} has no passwordHash`);
  return device.passwordHash;
}

function sameCredential(a: StoredAccount, b: StoredAccount): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  // Objects here are signed devices (gateway users are never compared): same key, same account.
  return a.loginKey !== undefined && b.loginKey !== undefined && a.loginKey.equals(b.loginKey);
}

function isGateway(stored: StoredAccount | undefined): boolean {
  return stored !== undefined && typeof stored !== 'string' && stored.identity.role === 'gateway';
}

export type PutOutcome = 'added' | 'rekeyed' | 'unchanged';

/** Username → account; one Map read per login whatever the fleet's size. */
export class AccountIndex {
  private readonly byUsername = new Map<string, StoredAccount>();

  /** The index of the accounts at start; a device without a usable credential is a TypeError (a config error). */
  static from(accounts: AuthAccounts): AccountIndex {
    const index = new AccountIndex();
    for (const user of accounts.users ?? []) index.putUser(user);
    for (const site of accounts.sites) for (const device of site.devices) index.putDevice(site.id, device);
    return index;
  }

  get size(): number {
    return this.byUsername.size;
  }

  lookup(username: string): Account | undefined {
    const stored = this.byUsername.get(username);
    if (typeof stored !== 'string') return stored;
    const slash = username.indexOf('/');
    return { identity: { role: 'device', site: username.slice(0, slash) as SiteId, device: username.slice(slash + 1) as DeviceId }, passwordHash: stored };
  }

  identify(username: string): Identity | undefined {
    return this.lookup(username)?.identity;
  }

  putUser(user: GatewayUser): void {
    if (this.byUsername.has(user.username)) {
      // Two accounts under one name would make the identity depend on map order.
      throw new TypeError(`broker user ${JSON.stringify(user.username)} has the same name as a device or another user`);
    }
    this.byUsername.set(user.username, { identity: { role: 'gateway', username: user.username }, passwordHash: user.passwordHash });
  }

  /** Adds or replaces a device's account; throws AccountRefused (and changes nothing) for one that cannot be used. */
  putDevice(site: string, device: DeviceAccount): PutOutcome {
    const identity: Identity = { role: 'device', site: site as SiteId, device: device.id as DeviceId };
    const username = deviceKey(identity);
    const before = this.byUsername.get(username);
    if (isGateway(before)) throw new TypeError(`device ${username} has the same name as a broker user`);
    const next = storedDevice(identity, username, device);
    this.byUsername.set(username, next);
    if (before === undefined) return 'added';
    return sameCredential(before, next) ? 'unchanged' : 'rekeyed';
  }

  /** Takes a device's account out; false when there was none. A gateway user is never removed this way. */
  removeDevice(site: string, device: string): boolean {
    const username = `${site}/${device}`;
    if (isGateway(this.byUsername.get(username))) return false;
    return this.byUsername.delete(username);
  }

  /**
   * Follows committed site changes. Never throws: a device whose account cannot be used is
   * refused (taken out, so it cannot log in with a stale credential) and reported.
   */
  applySites(changes: readonly AccountSiteChange[]): AccountMoves {
    const moves = { added: [] as string[], removed: [] as string[], rekeyed: [] as string[], refused: [] as { username: string; message: string }[], revoked: [] as string[] };
    for (const { before, after } of changes) {
      // A site id never changes in place; if one did, the old site's devices are gone.
      const kept = after !== undefined && before?.id === after.id ? new Set(after.devices.map((d) => d.id)) : new Set<string>();
      for (const device of before?.devices ?? []) {
        if (kept.has(device.id)) continue;
        const username = `${before!.id}/${device.id}`;
        if (this.removeDevice(before!.id, device.id)) {
          moves.removed.push(username);
          moves.revoked.push(username);
        }
      }
      for (const device of after?.devices ?? []) this.follow(after!.id, device, moves);
    }
    return moves;
  }

  private follow(site: string, device: DeviceAccount, moves: { added: string[]; rekeyed: string[]; refused: { username: string; message: string }[]; revoked: string[] }): void {
    const username = `${site}/${device.id}`;
    try {
      const outcome = this.putDevice(site, device);
      if (outcome === 'added') moves.added.push(username);
      if (outcome === 'rekeyed') {
        moves.rekeyed.push(username);
        moves.revoked.push(username);
      }
    } catch (err) {
      // Fail closed: an account the registry let through but the broker cannot check logs nobody in.
      if (this.removeDevice(site, device.id)) moves.revoked.push(username);
      moves.refused.push({ username, message: (err as Error).message });
    }
  }
}
