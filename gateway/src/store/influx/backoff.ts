// Exponential backoff with jitter while InfluxDB is away: attempt n waits between half and all of
// min(maxMs, minMs·2ⁿ) ("equal jitter"), so a fleet of gateways does not return in step and the
// wait never collapses to zero.

export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
}

/** The wait before retry number `attempt` (0 for the first retry); `random` in [0, 1). */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
