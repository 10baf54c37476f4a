// Which sensors a change of the rules can touch, so that a fleet change (a kitchen added among
// 10 000) re-files the sensors of the sites it concerns and not all 100 000. Pure.

import type { Quantity } from '../config/quantities.js';

/** A rule as the engine holds it: `body` is the same object while its numbers are unchanged. */
export interface RuleView {
  readonly body: object;
  readonly quantity: Quantity;
  /** undefined: every site. */
  readonly sites: ReadonlySet<string> | undefined;
}

export interface RuleScope {
  /** Quantities whose every sensor must be looked at (a rule for all sites came, went or changed). */
  readonly everySite: ReadonlySet<Quantity>;
  /** Per quantity, the sites whose sensors must be looked at. */
  readonly sites: ReadonlyMap<Quantity, ReadonlySet<string>>;
}

function addAll(into: Map<Quantity, Set<string>>, quantity: Quantity, sites: Iterable<string>): void {
  let set = into.get(quantity);
  if (set === undefined) into.set(quantity, (set = new Set()));
  for (const s of sites) set.add(s);
}

/** The sensors whose rule set may differ between `before` and `after` (rules by id). */
export function ruleScope(before: ReadonlyMap<string, RuleView>, after: ReadonlyMap<string, RuleView>): RuleScope {
  const everySite = new Set<Quantity>();
  const sites = new Map<Quantity, Set<string>>();
  const touch = (v: RuleView, only?: Iterable<string>) => {
    if (v.sites === undefined) everySite.add(v.quantity);
    else addAll(sites, v.quantity, only ?? v.sites);
  };
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(id);
    const now = after.get(id);
    if (was === undefined || now === undefined || was.body !== now.body || was.quantity !== now.quantity) {
      if (was) touch(was);
      if (now) touch(now);
      continue;
    }
    if (was.sites === undefined && now.sites === undefined) continue;
    if (was.sites === undefined || now.sites === undefined) {
      everySite.add(now.quantity);
      continue;
    }
    // The same rule on other sites: only the sites that joined or left it.
    const moved: string[] = [];
    for (const s of was.sites) if (!now.sites.has(s)) moved.push(s);
    for (const s of now.sites) if (!was.sites.has(s)) moved.push(s);
    if (moved.length > 0) addAll(sites, now.quantity, moved);
  }
  return { everySite, sites };
}
