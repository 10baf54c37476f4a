// Stop-work voting (GB 16808-2025 §5.5.1.8): a rule may ask that two or more detectors of the same
// space be at red before work stops, so one failed detector cannot shut a site down. A detector in
// fault or silent does not vote; the votes asked for never exceed the healthy detectors left,
// because a red beside a broken partner is more likely real than not. Pure.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Level } from '../contract/levels.js';
import type { Config, Rule, SiteConfig } from '../config/schema.js';
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
  /** Every detector channel → the channels of the same quantity in its space, itself included. */
  private readonly peers = new Map<string, readonly Voter[]>();
  private votes: ReadonlyMap<string, number> = new Map();
  /** The quantities a voting rule watches: only their channels ever need their space (memory:
   * 100 000 sensors under single-vote rules built ~16 MB of peer lists nobody read). */
  private voted: ReadonlySet<string> = new Set();

  static fromConfig(config: Config, rules: readonly Rule[]): VotingPlan {
    const plan = new VotingPlan();
    plan.setRules(rules, config.sites);
    return plan;
  }

  /** The rules changed (a fleet change of preset sites): the spaces are rebuilt only when the
   * quantities that vote changed. */
  setRules(rules: readonly Rule[], sites: Iterable<SiteConfig>): void {
    this.votes = new Map(rules.map((r) => [r.id, r.stopWorkVotes]));
    const voted = new Set<string>(rules.filter((r) => r.stopWorkVotes > 1).map((r) => r.quantity));
    if (voted.size === this.voted.size && [...voted].every((q) => this.voted.has(q))) return;
    this.voted = voted;
    this.peers.clear();
    for (const site of sites) this.applySite(undefined, site);
  }

  /** A site added, changed or removed: its spaces follow its detectors. */
  applySite(before: SiteConfig | undefined, after: SiteConfig | undefined): void {
    if (this.voted.size === 0) return;
    if (before) for (const d of before.devices) for (const channel of Object.keys(d.channels)) this.peers.delete(key(before.id, d.id, channel));
    if (!after) return;
    const spaces = new Map<string, Voter[]>();
    for (const d of after.devices) {
      for (const [channel, spec] of Object.entries(d.channels)) {
        if (!this.voted.has(spec.quantity)) continue;
        const space = `${d.space ?? ''}/${spec.quantity}`;
        const list = spaces.get(space) ?? [];
        spaces.set(space, list);
        list.push({ site: after.id as SiteId, device: d.id as DeviceId, channel: channel as ChannelId });
        this.peers.set(key(after.id, d.id, channel), list);
      }
    }
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
