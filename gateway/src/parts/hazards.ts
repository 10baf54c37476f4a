// The hazard ledger (隐患台账) as a part: the ledger over state.db, with the fleet telling it each
// site's region and wall clock at the moment a hazard is registered.

import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import type { Fleet } from '../registry/fleet.js';
import { HazardRepository } from '../hazards/repository.js';
import { HazardLedger } from '../hazards/ledger.js';
import type { Part } from './part.js';

export interface HazardsPart extends Part {
  readonly ledger: HazardLedger;
  readonly repo: HazardRepository;
}

export function hazardsPart(stateDb: Db, fleet: Pick<Fleet, 'site'>, audit: AuditTrail, clock: () => number, log: Logger): HazardsPart {
  const repo = new HazardRepository(stateDb);
  const ledger = new HazardLedger({
    db: stateDb,
    repo,
    audit,
    clock,
    log: log.child({ module: 'hazards' }),
    site: (id) => {
      const s = fleet.site(id);
      return s === undefined ? undefined : { region: s.region ?? null, timeZone: s.timezone };
    },
  });
  return { name: 'hazards', ledger, repo };
}
