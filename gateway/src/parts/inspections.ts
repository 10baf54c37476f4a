// Inspection rounds (巡检) as a part: the book over state.db, the fleet telling it each site's
// region, wall clock and preset at the moment of a move, failed items filed in the hazard ledger.

import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import type { Fleet } from '../registry/fleet.js';
import type { HazardLedger } from '../hazards/ledger.js';
import { InspectionRepository } from '../inspections/repository.js';
import { InspectionBook } from '../inspections/book.js';

export function inspectionBook(d: { stateDb: Db; fleet: Pick<Fleet, 'site'>; audit: AuditTrail; hazards: HazardLedger; clock: () => number; log: Logger }): InspectionBook {
  return new InspectionBook({
    db: d.stateDb,
    repo: new InspectionRepository(d.stateDb),
    audit: d.audit,
    clock: d.clock,
    log: d.log.child({ module: 'inspections' }),
    hazards: d.hazards,
    site: (id) => {
      const s = d.fleet.site(id);
      return s === undefined ? undefined : { region: s.region ?? null, timeZone: s.timezone, preset: s.preset };
    },
  });
}
