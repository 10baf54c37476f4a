// The fleet's followers get each committed change in their order, and one that throws does not
// keep the next from it. A real LiveFleet over a state.db in a temp dir.

import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { followFleet } from '../../../gateway/src/parts/fleet-followers.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';

const by = { actor: 'admin-li', atMs: 1_700_000_000_000 };

describe('followFleet', () => {
  it('tells the followers in order, past one that throws, until stopped', () => {
    const dir = tempDir();
    const db = openStateDb(dir.path);
    const fleet = new LiveFleet(new RegistryStore(db), silentLogger());
    const told: string[] = [];
    const part = followFleet(
      fleet,
      [
        { name: 'broker accounts', follower: { applySites: (c) => told.push(`accounts:${c[0]!.after?.id}`) } },
        {
          name: 'detection',
          follower: {
            applySites: () => {
              throw new Error('detection broke');
            },
          },
        },
        { name: 'interlock', follower: { applySites: (c) => told.push(`interlock:${c[0]!.after?.id}`) } },
      ],
      silentLogger(),
    );
    fleet.putSite({ id: 'k-1', name: 'one' }, by);
    expect(told).toEqual(['accounts:k-1', 'interlock:k-1']);
    void part.stop?.();
    fleet.putSite({ id: 'k-2', name: 'two' }, by);
    expect(told).toHaveLength(2);
    db.close();
    dir.remove();
  });
});
