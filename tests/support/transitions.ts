// A detection transition for the tests that drive the alarm service directly (no broker): typed,
// with the kitchen's methane rule as defaults, so no test builds one by hand and casts it. Tests
// that can, raise alarms through the broker instead (tests/support/fixture.ts `raise`).

import type { Quantity } from '../../gateway/src/config/quantities.js';
import type { ChannelId, DeviceId, SiteId } from '../../gateway/src/contract/ids.js';
import type { Level } from '../../gateway/src/contract/levels.js';
import type { LevelTransition } from '../../gateway/src/detect/engine.js';

export interface TransitionInput {
  readonly site: string;
  readonly device: string;
  /** Default `ch4`. */
  readonly channel?: string;
  /** Default `methane_lel`. */
  readonly quantity?: Quantity;
  /** Default `kitchen-methane`. */
  readonly ruleId?: string;
  /** Default null: a raise. */
  readonly from?: Level | null;
  readonly to: Level | null;
  readonly value: number;
  readonly atMs: number;
  /** Default false. */
  readonly stopWork?: boolean;
}

export function levelTransition(t: TransitionInput): LevelTransition {
  return {
    kind: 'level',
    // The one place tests brand ids: configured ids are checked by the config schema, these by the test's author.
    site: t.site as SiteId,
    device: t.device as DeviceId,
    channel: (t.channel ?? 'ch4') as ChannelId,
    quantity: t.quantity ?? 'methane_lel',
    ruleId: t.ruleId ?? 'kitchen-methane',
    from: t.from ?? null,
    to: t.to,
    value: t.value,
    atMs: t.atMs,
    stopWork: t.stopWork ?? false,
  };
}
