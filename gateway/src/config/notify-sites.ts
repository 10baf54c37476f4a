// The site and region ids the notify section names (roster shifts, briefing regions) must be sites
// and regions of the config: a typo would silently leave a shift or a region empty, and an alarm would reach nobody.
// Checked when the config is loaded, so check-config reports it with the other problems.

import type { ConfigProblem } from '../errors.js';
import type { NotifyConfig } from './notify-schema.js';
import { nearest } from './words.js';

/** The site ids of roster shifts and briefing regions that are not sites (the notifier checks them
 * again against the sites it is given: the registry's, which may hold more than the file). */
export function rosterSiteProblems(notify: NotifyConfig, sites: readonly { id: string }[]): ConfigProblem[] {
  const ids = sites.map((s) => s.id);
  const known = new Set(ids);
  const problems: ConfigProblem[] = [];
  const check = (site: string, path: string) => {
    if (known.has(site)) return;
    const near = nearest(site, ids);
    problems.push({ path, message: `no site ${site} in sites (${near ? `did you mean "${near}"? ` : ''}use an id from sites:)` });
  };
  notify.roster.shifts.forEach((shift, i) => shift.sites?.forEach((site, j) => check(site, `notify.roster.shifts[${i}].sites[${j}]`)));
  notify.briefing.regions.forEach((region, i) => region.sites.forEach((site, j) => check(site, `notify.briefing.regions[${i}].sites[${j}]`)));
  return problems;
}

export function notifySiteProblems(notify: NotifyConfig, sites: readonly { id: string }[], regions: readonly { id: string }[] = []): ConfigProblem[] {
  const problems = rosterSiteProblems(notify, sites);
  // A shift's regions are those of the file's region tree: a typo would leave the county's duty
  // officer hearing of nothing.
  const regionIds = regions.map((r) => r.id);
  notify.roster.shifts.forEach((shift, i) =>
    shift.regions?.forEach((region, j) => {
      if (regionIds.includes(region)) return;
      const near = nearest(region, regionIds);
      problems.push({ path: `notify.roster.shifts[${i}].regions[${j}]`, message: `no region ${region} in regions (${near ? `did you mean "${near}"? ` : ''}use an id from regions:)` });
    }),
  );
  notify.escalationByRegion.forEach((entry, i) =>
    entry.regions.forEach((region, j) => {
      if (regionIds.includes(region)) return;
      const near = nearest(region, regionIds);
      problems.push({ path: `notify.escalationByRegion[${i}].regions[${j}]`, message: `no region ${region} in regions (${near ? `did you mean "${near}"? ` : ''}use an id from regions:)` });
    }),
  );
  return problems;
}
