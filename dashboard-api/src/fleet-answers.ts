// What the fleet routes share: the registry writer or 501, who acts, a registry refusal as an
// answer, a device as the API shows it (never its credential), and a secrets file.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceConfig } from '../../gateway/src/config/schema.js';
import { RegistryError } from '../../gateway/src/errors.js';
import type { Fleet, FleetActor, SiteSources } from '../../gateway/src/registry/fleet.js';
import type { FleetWriter } from '../../gateway/src/registry/fleet-writer.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { principalOf } from './auth.js';
import { scopeOf } from './scope-of.js';
import { UTF8_BOM } from './export/csv.js';

export type FleetRegistry = Fleet & FleetWriter & Partial<SiteSources>;

export function registryOf(ctx: ApiContext): FleetRegistry {
  if (!ctx.deps.registry) throw new ApiError(501, 'this gateway has no fleet registry: sites and devices come from its configuration file only');
  return ctx.deps.registry;
}

export function actorOf(ctx: ApiContext, request: FastifyRequest): FleetActor {
  return { actor: principalOf(request).name, atMs: ctx.clock() };
}

/** A refusal of the registry as 409 (a record still in use) or 422, with every problem. */
export function registryRefusal(err: unknown): unknown {
  if (!(err instanceof RegistryError)) return err;
  return new ApiError(err.conflict ? 409 : 422, err.message, { problems: err.problems });
}

/** A device as the API shows it: every field but its credential (passwordHash, loginKey). */
export function publicDevice(d: DeviceConfig): Omit<DeviceConfig, 'passwordHash' | 'loginKey'> {
  const { passwordHash: _hash, loginKey: _key, ...rest } = d;
  return rest;
}

/** Secrets are answered once: no cache, no proxy, no browser history may keep them. */
export function noStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/**
 * The installer's file: site, device, MQTT username and secret of each new device. Written as they
 * are: ids (A-Z a-z 0-9 _ -) and secrets (base32 and -) need no quoting and can run no formula, and
 * the export's leading-apostrophe guard would turn an id like `-k1` into a username that fails.
 */
export function secretsCsv(secrets: readonly { site: string; device: string; secret: string }[]): string {
  const line = (cells: readonly string[]) => `${cells.join(',')}\r\n`;
  return UTF8_BOM + line(['site', 'device', 'username', 'secret']) + secrets.map((s) => line([s.site, s.device, `${s.site}/${s.device}`, s.secret])).join('');
}

export function attachment(reply: FastifyReply, name: string): void {
  void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`);
}

/** Accept names text/csv (a single device's secret as the installer's file). */
export function wantsCsv(request: FastifyRequest): boolean {
  return /text\/csv/i.test(request.headers.accept ?? '');
}

/** Accept names application/json (an import's outcome as data, for the command line). */
export function wantsJson(request: FastifyRequest): boolean {
  return /application\/json/i.test(request.headers.accept ?? '');
}

/** Whether the caller's scope contains a site; one it does not answers 404, as if it did not exist. */
export function siteVisible(ctx: ApiContext, request: FastifyRequest, site: string): boolean {
  return ctx.scopes.contains(scopeOf(request), site);
}

/** Whether the caller's scope would hold a site with this region and organisation (one it creates or edits). */
export function scopeHolds(ctx: ApiContext, request: FastifyRequest, site: string, region: string | undefined, org: string | undefined): boolean {
  const scope = scopeOf(request);
  if (scope.kind === 'all') return true;
  return ctx.scopes.holds(scope, { id: site, org, regionPath: region === undefined ? undefined : ctx.scopes.regionPath(region) });
}
