// Access: nobody in without a credential, nobody beyond their own topics or role, limits
// on guessing over MQTT and HTTP, and the audit chain catching an edit, all against the running
// gateway over real sockets (broker/src/login-throttle.ts slows MQTT password guessing down,
// signed-login.ts the refusal of replayed passwords, packet-limit.ts the cut of oversized packets).

import { beforeAll, describe, expect, it } from 'vitest';
import { runAccess, type AccessOutcome } from './support/hostile-scenarios.js';

describe('access to the running gateway', () => {
  let out: AccessOutcome;

  beforeAll(async () => {
    out = await runAccess();
    process.stderr.write(`[access] ${JSON.stringify({ ...out, checks: undefined })}\n`);
  }, 120_000);

  const groups: Record<string, string[]> = {
    'refuses anonymous, wrong-password and unknown MQTT clients': ['anonymous client', 'empty username', 'wrong password', 'unknown device', 'device password for another device'],
    "limits a replayed credential to its own device's topics and drops a replayed message": [
      'replayed credential subscribes to the valve commands it claims by client id',
      'replayed telemetry message',
      'replayed credential forges a valve ack',
    ],
    'refuses a replayed, stale or forged signed password (signed-login mode)': [
      'signed login',
      'signed password replayed from a second client',
      'signed password replayed under another client id',
      'signed login with a stale time',
      'signed login with a wrong key',
      'signed device stays connected through the replays',
    ],
    'cuts a client announcing a 256 MiB packet at its header while the device keeps publishing': ['client announcing a 256 MiB PUBLISH', 'device publishing beside the oversized packet'],
    'refuses a device publishing for another device, another site or the site order, and subscribing to #': [
      'device publishes for another device',
      'device publishes for another site',
      'device publishes the site stop-work order',
      'device subscribes to #',
      'device subscribes to the dead letters',
      'device stays connected after refused subscriptions',
    ],
    'slows MQTT password guessing down without locking out the device it names': [
      'failed logins under one username',
      'right valve password while its username is under attack (never verified before)',
      'the real gas-01 reconnects while its username is under attack',
    ],
    'refuses API calls without a token, with a revoked token and below the role': [
      'API without a token',
      'admin creates a token',
      'viewer acknowledges an alarm',
      'officer token lists tokens (admin only)',
      'revoke the new token',
      'revoked token acknowledges',
      'officer acknowledges',
    ],
    'detects a row edited in state.db through the running API': ['audit chain verifies before the edit', 'audit chain after an edited row'],
    'holds the API request and failed-authentication limits (429)': ['viewer requests past the API limit', 'token guessing past the failure limit', 'good token from the blocked address'],
    'refuses a revoked device password once the gateway runs with the rotated hash': ['revoked device password after rotation', 'rotated device password'],
  };

  for (const [name, names] of Object.entries(groups)) {
    it(name, () => {
      const got = Object.fromEntries(names.map((n) => [n, out.checks[n]?.got]));
      const expected = Object.fromEntries(names.map((n) => [n, out.checks[n]?.expected ?? 'check missing']));
      expect(got).toEqual(expected);
    });
  }

  it('runs every check it names', () => {
    expect(Object.keys(out.checks).sort()).toEqual(Object.values(groups).flat().sort());
  });

  it('stores the real readings and raises only the real alarm: nothing forged got in', () => {
    expect(out.lost).toBe(0);
    expect(out.stored).toBe(out.published);
    expect(out.alarmsRaised).toBe(out.alarmsExpected);
    expect(out.alarmsDuplicated).toBe(0);
  });
});
