// Out of service (ISA-18.2 "out of service"): a device, or a whole site, under maintenance.
// Its alarms are still raised and recorded but not sent to the roster; only a site out of service
// also withholds the stop-work order. Bounded in time, it ends by itself. Pure: time passed in.

export interface OutOfService {
  id: string;
  site: string;
  /** null: the whole site (every device, and no stop-work order while it lasts). */
  device: string | null;
  by: string;
  reason: string;
  fromMs: number;
  untilMs: number;
  endedAtMs: number | null;
  /** Who returned it to service; null with `endedAtMs` set: it expired by itself. */
  endedBy: string | null;
  endNote: string | null;
}

export type OutOfServiceRejection = 'REASON_REQUIRED' | 'UNTIL_NOT_FUTURE' | 'TOO_LONG' | 'ALREADY_OUT_OF_SERVICE' | 'UNKNOWN_SITE' | 'UNKNOWN_DEVICE' | 'NOT_OUT_OF_SERVICE';

export type OutOfServiceOutcome = { ok: true; entry: OutOfService } | { ok: false; rejected: OutOfServiceRejection; existing?: OutOfService };

export interface OutOfServiceRequest {
  id: string;
  site: string;
  device: string | null;
  by: string;
  reason: string;
  untilMs: number;
  atMs: number;
  /** The configured longest spell (alarms.outOfServiceMaxH). */
  maxMs: number;
}

/** A new spell out of service, or why not. `open` are the spells in force now. */
export function startOutOfService(req: OutOfServiceRequest, open: readonly OutOfService[]): OutOfServiceOutcome {
  const reason = req.reason.trim();
  if (reason === '') return { ok: false, rejected: 'REASON_REQUIRED' };
  if (!Number.isFinite(req.untilMs) || req.untilMs <= req.atMs) return { ok: false, rejected: 'UNTIL_NOT_FUTURE' };
  if (req.untilMs - req.atMs > req.maxMs) return { ok: false, rejected: 'TOO_LONG' };
  // One spell per target: extending one is an explicit return then a new spell, both audited.
  const existing = open.find((e) => e.site === req.site && e.device === req.device && isInForce(e, req.atMs));
  if (existing) return { ok: false, rejected: 'ALREADY_OUT_OF_SERVICE', existing };
  return {
    ok: true,
    entry: { id: req.id, site: req.site, device: req.device, by: req.by, reason, fromMs: req.atMs, untilMs: req.untilMs, endedAtMs: null, endedBy: null, endNote: null },
  };
}

/** Back in service: by an officer (`by`), or by itself at expiry (`by` null). */
export function endOutOfService(entry: OutOfService, by: string | null, atMs: number, note: string | null): OutOfServiceOutcome {
  if (entry.endedAtMs !== null) return { ok: false, rejected: 'NOT_OUT_OF_SERVICE' };
  const endNote = note?.trim() || null;
  return { ok: true, entry: { ...entry, endedAtMs: atMs, endedBy: by, endNote } };
}

export function isInForce(entry: OutOfService, atMs: number): boolean {
  return entry.endedAtMs === null && atMs < entry.untilMs;
}

/** Whether the device (or, with `device` null, only the site as a whole) is out of service. */
export function coveredBy(open: Iterable<OutOfService>, site: string, device: string | null, atMs: number): OutOfService | undefined {
  for (const e of open) {
    if (e.site !== site || !isInForce(e, atMs)) continue;
    if (e.device === null || e.device === device) return e;
  }
  return undefined;
}
