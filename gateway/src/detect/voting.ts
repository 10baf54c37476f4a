// Stop-work voting (GB 16808-2025 §5.5.1.8): a rule may ask that two or more detectors of the same
// space be at red before work stops, so one failed detector cannot shut a site down. A detector in
// fault or silent does not vote; the votes asked for never exceed the healthy detectors left,
// because a red beside a broken partner is more likely real than not. Pure.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Level } from '../contract/levels.js';
import type { Config, Rule } from '../config/schema.js';
import type { LevelTransition } from './engine.js';

export interface Voter {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
}

export interface VoteResult {
  readonly confirmed: boolean;
  readonly atRed: number;
  readonly required: number;
  /** Detectors of the space that were not counted (fault, silence): said, never hidden. */
  readonly notVoting: readonly Voter[];
}

const key = (site: string, device: string, channel: string): string => `${site}/${device}/${channel}`;

export class VotingPlan {
  private constructor(
    /** Every detector channel → the channels of the same quantity in its space, itself included. */
    private readonly peers: ReadonlyMap<string, readonly Voter[]>,
    private readonly votes: ReadonlyMap<string, number>,
  ) {}

  static fromConfig(config: Config, rules: readonly Rule[]): VotingPlan {
    const spaces = new Map<string, Voter[]>();
    const peers = new Map<string, Voter[]>();
    // Only channels a voting rule watches ever need their space (memory: 100 000
    // sensors under single-vote rules built ~16 MB of peer lists nobody read).
    const voted = new Set<string>(rules.filter((r) => r.stopWorkVotes > 1).map((r) => r.quantity));
    for (const site of voted.size === 0 ? [] : config.sites) {
      for (const d of site.devices) {
        for (const [channel, spec] of Object.entries(d.channels)) {
          if (!voted.has(spec.quantity)) continue;
          const space = `${site.id}/${d.space ?? ''}/${spec.quantity}`;
          const list = spaces.get(space) ?? [];
          spaces.set(space, list);
          list.push({ site: site.id as SiteId, device: d.id as DeviceId, channel: channel as ChannelId });
          peers.set(key(site.id, d.id, channel), list);
        }
      }
    }
    return new VotingPlan(peers, new Map(rules.map((r) => [r.id, r.stopWorkVotes])));
  }

  /** Votes a rule asks for; 1 when it does not vote. */
  votesFor(ruleId: string): number {
    return this.votes.get(ruleId) ?? 1;
  }

  /** Whether a red stop-work transition is confirmed by enough healthy detectors of its space. */
  decide(t: LevelTransition, levelOf: (v: Voter, ruleId: string) => Level | null, voting: (v: Voter) => boolean): VoteResult {
    const asked = this.votesFor(t.ruleId);
    if (asked <= 1) return { confirmed: true, atRed: 1, required: 1, notVoting: [] };
    const peers = this.peers.get(key(t.site, t.device, t.channel)) ?? [{ site: t.site, device: t.device, channel: t.channel }];
    const notVoting = peers.filter((p) => !voting(p));
    const healthy = peers.filter((p) => voting(p));
    const atRed = healthy.filter((p) => levelOf(p, t.ruleId) === 'red').length;
    const required = Math.max(1, Math.min(asked, healthy.length));
    return { confirmed: atRed >= required, atRed, required, notVoting };
  }
}
