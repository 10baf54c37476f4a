// Detection follows the fleet without a restart: a device added is watched from its first reading
// (its channel profile, its rules) and for silence from the moment it was added; a device removed
// is "unknown" again, its sensor states, silence watches and fault states dropped; a preset site
// added gets its preset's rules; voting spaces follow the detectors. The alarms of a removed
// device are the alarm side's business (alarms/alarms-follower.ts).

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Config, DeviceConfig, Rule, SiteConfig } from '../config/schema.js';
import { effectiveRules } from '../config/effective-rules.js';
import { watchedChannelsOf } from '../detect/health.js';
import { deviceDiff, presetChanged } from '../detect/site-diff.js';
import type { FleetFollower, SiteChange } from '../registry/fleet.js';
import type { Logger } from '../log.js';
import type { Detection } from './alarms.js';

export class DetectionFollower implements FleetFollower {
  private readonly sites: Map<string, SiteConfig>;
  private current: readonly Rule[];

  constructor(
    private readonly config: Config,
    private readonly detection: Detection,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {
    this.sites = new Map(config.sites.map((s) => [s.id, s]));
    this.current = detection.rules;
  }

  /** The rules the engine runs now. */
  rules(): readonly Rule[] {
    return this.current;
  }

  applySites(changes: readonly SiteChange[]): void {
    const { engine, health, profiles, voting } = this.detection;
    const nowMs = this.clock();
    let rulesMoved = false;
    let sitesCameOrWent = false;
    for (const { before, after } of changes) {
      const id = (after ?? before)?.id;
      if (id === undefined) continue;
      if (after) this.sites.set(id, after);
      else this.sites.delete(id);
      rulesMoved ||= presetChanged(before, after);
      sitesCameOrWent ||= (before === undefined) !== (after === undefined);
      const site = id as SiteId;
      const diff = deviceDiff(before, after);
      for (const d of diff.removed) {
        profiles.remove(id, d.id);
        health.forget(site, d.id as DeviceId);
        engine.forget(site, d.id as DeviceId);
      }
      for (const { after: d, channelsGone } of diff.changed) {
        profiles.put(id, d);
        if (channelsGone.length > 0) {
          health.forget(site, d.id as DeviceId, channelsGone as ChannelId[]);
          engine.forget(site, d.id as DeviceId, channelsGone as ChannelId[]);
        }
        // A new period or level takes effect; a watch already running keeps its silence so far.
        this.watch(id, d, nowMs);
      }
      for (const d of diff.added) {
        profiles.put(id, d);
        this.watch(id, d, nowMs);
      }
      voting.applySite(before, after);
      if (diff.added.length + diff.removed.length + diff.changed.length > 0) {
        this.log.info({ site: id, added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length }, 'detection follows the fleet');
      }
    }
    // With preset sites in the fleet, the global rules name the plain sites: a site that comes
    // or goes changes them too (config/effective-rules.ts).
    if (rulesMoved || (sitesCameOrWent && [...this.sites.values()].some((s) => s.preset !== undefined))) this.refreshRules();
  }

  private watch(site: string, d: DeviceConfig, nowMs: number): void {
    const channels = watchedChannelsOf(site, d);
    for (const c of channels) this.detection.health.watch(c, nowMs);
    // As at start: a clock step of half the shortest period is the most taken as elapsed time.
    if (channels.length > 0) this.detection.health.stale.lowerMaxJump((d.staleAfterS * 1000) / 2);
  }

  private refreshRules(): void {
    const sites = [...this.sites.values()];
    let rules: Rule[];
    try {
      rules = effectiveRules({ ...this.config, sites });
    } catch (err) {
      // The registry checks a site's preset before it commits; a refusal here is a bug, and the
      // rules in force keep running rather than none.
      this.log.error({ err }, 'fleet change: the sites\' rules could not be resolved; the rules in force are kept');
      return;
    }
    this.detection.engine.replaceRules(rules);
    this.detection.voting.setRules(rules, sites);
    this.current = rules;
    this.log.info({ rules: rules.length }, 'detection rules follow the fleet');
  }
}
