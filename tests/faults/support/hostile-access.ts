// Access scenario: who gets in and what they may touch, end to end over real
// TCP: MQTT logins and the ACL on the embedded broker, the API over HTTP, the login and API rate
// limits, and the audit chain against an edit in the SQLite file of the running gateway.
//
// "Replayed credential": a device with a static password (no nonce, no client certificate) cannot
// be told from a replay of it at login. What must hold for it: it grants that one device's topics
// whatever client id it claims; a replayed telemetry message (same seq) is dropped, never stored
// twice; and a revoked (rotated) password is refused once the gateway runs with the new hash.
// A device in signed mode (broker/src/signed-login.ts) sends a one-time password: its replay
// from a second client is refused at login, as are a stale time and a wrong key.

import Database from 'better-sqlite3';
import type { IClientOptions, MqttClient } from 'mqtt';
import { hashPassword } from '../../../broker/src/auth.js';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import { DEMO_PASSWORDS } from '../../../gateway/src/config/demo.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { hashToken, type Role } from '../../../dashboard-api/src/token-store.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { floodAfterHeader, HUGE_PUBLISH_HEADER } from '../../support/raw-mqtt.js';
import { tempDir } from '../../support/tmp.js';
import type { FaultRow } from './fault-row.js';
import { alarmRows, hostileSite, OBSERVER, ref, SITE } from './hostile-site.js';
import type { RunningGateway } from '../../support/fixture.js';

const TOKENS: Record<Exclude<Role, 'owner'>, string> = {
  viewer: 'sb_faults-viewer-0123456789abcdefghijklmnopqrstuvwxyz',
  officer: 'sb_faults-officer-0123456789abcdefghijklmnopqrstuvwxyz',
  admin: 'sb_faults-admin-0123456789abcdefghijklmnopqrstuvwxyz',
};
/** Tight limits so the scenario reaches them in a few requests (the defaults are 600 and 20 a minute). */
const API_LIMIT = 30;
const AUTH_FAILURE_LIMIT = 8;
/** broker/src/login-throttle.ts DEFAULT_LOGIN_THROTTLE.freePerUsername. */
const LOGIN_LIMIT = 10;
const GAS_PASSWORD = DEMO_PASSWORDS['gas-01'];
const ROTATED_PASSWORD = 'rotated-gas-02-password';
/** A detector in signed mode: the config holds only the key derived from this secret. */
const SIGNED_DEVICE = 'gas-signed';
const SIGNED_SECRET = 'gas-signed-device-secret';
const SIGNED_USER = `${SITE}/${SIGNED_DEVICE}`;
const SIGNED_KEY = deriveLoginKey(SIGNED_SECRET, SIGNED_USER);

/** One check: what the scenario expected and what it saw, as text so a report can print it. */
export interface AccessCheck {
  readonly expected: string;
  readonly got: string;
}

export type AccessOutcome = FaultRow & { readonly checks: Record<string, AccessCheck>; readonly notesOnReplay: string };

type Refusal = { code: number | undefined; message: string };

async function connectOutcome(url: string, options: IClientOptions): Promise<'connected' | Refusal> {
  try {
    const c = await connectClient(url, options);
    await c.endAsync(true);
    return 'connected';
  } catch (err) {
    return { code: (err as { code?: number }).code, message: (err as Error).message };
  }
}

const describeOutcome = (o: 'connected' | Refusal): string => (o === 'connected' ? 'connected' : `refused ${o.code}`);

/** Publishes QoS1 and reports whether the broker acknowledged it or dropped the connection. */
function publishOutcome(client: MqttClient, topic: string, payload: string): Promise<'acked' | 'disconnected'> {
  return new Promise((resolve) => {
    const onClose = (): void => resolve('disconnected');
    client.once('close', onClose);
    client.publish(topic, payload, { qos: 1 }, (err) => {
      client.off('close', onClose);
      resolve(err ? 'disconnected' : 'acked');
    });
  });
}

async function subackCode(client: MqttClient, filter: string): Promise<number> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 }))[0]!.qos;
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted[0]!;
  }
}

async function http(g: RunningGateway, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${g.apiPort}${path}`, {
    method,
    headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

async function until<T>(check: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function runAccess(): Promise<AccessOutcome> {
  const dir = tempDir('shaobing-access-');
  const observerHash = await hashPassword(OBSERVER.password, { N: 1024 });
  const rotatedHash = await hashPassword(ROTATED_PASSWORD, { N: 1024 });
  const checks: Record<string, AccessCheck> = {};
  const check = (name: string, expected: string, got: string): void => void (checks[name] = { expected, got });
  const clients: MqttClient[] = [];
  let published = 0;
  let gateway: RunningGateway | null = null;
  const configFor = (rotated: boolean) =>
    testConfig(dir.path, (c) => {
      hostileSite(c, 2, observerHash);
      const template = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
      c.sites[0]!.devices.push({ ...template, id: SIGNED_DEVICE, auth: 'signed', passwordHash: undefined, loginKey: SIGNED_KEY.toString('hex') });
      if (rotated) {
        const site = c.sites[0]!;
        site.devices = site.devices.map((d) => (d.id === 'gas-02' ? { ...d, passwordHash: rotatedHash } : d));
      }
      c.api = {
        ...c.api,
        bootstrapTokens: (Object.keys(TOKENS) as (keyof typeof TOKENS)[]).map((role) => ({ name: `${role} faults`, role, tokenHash: hashToken(TOKENS[role]) })),
        rateLimit: { max: API_LIMIT, windowS: 60 },
        authFailureLimit: { max: AUTH_FAILURE_LIMIT, windowS: 60 },
      };
    });
  try {
    gateway = await startTestGateway(configFor(false));
    const g = gateway;
    const url = g.url;
    const connect = async (opts: IClientOptions): Promise<MqttClient> => {
      const c = await connectClient(url, opts);
      clients.push(c);
      return c;
    };

    // --- MQTT logins -------------------------------------------------------------------------
    check('anonymous client', 'refused 5', describeOutcome(await connectOutcome(url, { clientId: 'anon-1' })));
    check('empty username', 'refused 5', describeOutcome(await connectOutcome(url, { clientId: 'anon-2', username: '', password: 'x' })));
    check('wrong password', 'refused 4', describeOutcome(await connectOutcome(url, deviceLogin(SITE, 'gas-01', 'not-the-password'))));
    check('unknown device', 'refused 4', describeOutcome(await connectOutcome(url, deviceLogin(SITE, 'gas-99', GAS_PASSWORD))));
    check('device password for another device', 'refused 4', describeOutcome(await connectOutcome(url, deviceLogin(SITE, 'fan-01', GAS_PASSWORD))));

    // --- the real device and a replay of its credential ---------------------------------------
    const gas1 = await connect(deviceLogin(SITE, 'gas-01', GAS_PASSWORD, 'gas-01-real'));
    const topic1 = g.topics.telemetry(ref('gas-01'));
    const base = Date.now() - 10_000;
    const episode = Array.from({ length: 5 }, (_, i) => JSON.stringify({ ts: base + i * 1000, seq: i + 1, readings: { ch4: 30, co: 2 } }));
    for (const m of episode) if ((await publishOutcome(gas1, topic1, m)) === 'acked') published++;
    // The captured credential, under the valve's client id while the device is connected.
    const replay = await connect(deviceLogin(SITE, 'gas-01', GAS_PASSWORD, 'valve-01'));
    await new Promise((r) => setTimeout(r, 100));
    const notesOnReplay = `a second session with gas-01's password and another client id ${gas1.connected && replay.connected ? 'is accepted beside the device' : 'displaced or was refused'}`;
    check('replayed credential subscribes to the valve commands it claims by client id', 'suback 128', `suback ${await subackCode(replay, g.topics.cmd(ref('valve-01')))}`);
    // A captured message sent again: same seq, same ts, dropped as a duplicate.
    check('replayed telemetry message', 'acked, dropped as duplicate', `${await publishOutcome(replay, topic1, episode[2]!)}, ${g.inside.intake.counts.duplicates >= 1 ? 'dropped as duplicate' : 'taken'}`);
    check('replayed credential forges a valve ack', 'disconnected', await publishOutcome(replay, g.topics.cmdAck(ref('valve-01')), JSON.stringify({ id: 'x', ok: true, state: 'open', ts: Date.now() })));

    // --- signed mode: a captured one-time password is refused when replayed -----------------------
    const signed = { username: SIGNED_USER, clientId: 'gas-signed-real', password: signLogin({ loginKey: SIGNED_KEY, username: SIGNED_USER, clientId: 'gas-signed-real', atMs: Date.now() }) };
    const signedDevice = await connect(signed);
    check('signed login', 'connected', signedDevice.connected ? 'connected' : 'not connected');
    check('signed password replayed from a second client', 'refused 4', describeOutcome(await connectOutcome(url, signed)));
    check('signed password replayed under another client id', 'refused 4', describeOutcome(await connectOutcome(url, { ...signed, clientId: 'thief' })));
    const stale = signLogin({ loginKey: SIGNED_KEY, username: SIGNED_USER, clientId: 'gas-signed-old', atMs: Date.now() - 301_000 });
    check('signed login with a stale time', 'refused 4', describeOutcome(await connectOutcome(url, { username: SIGNED_USER, clientId: 'gas-signed-old', password: stale })));
    const forgedLogin = signLogin({ loginKey: deriveLoginKey('guessed secret', SIGNED_USER), username: SIGNED_USER, clientId: 'gas-signed-f', atMs: Date.now() });
    check('signed login with a wrong key', 'refused 4', describeOutcome(await connectOutcome(url, { username: SIGNED_USER, clientId: 'gas-signed-f', password: forgedLogin })));
    check('signed device stays connected through the replays', 'true', String(signedDevice.connected));

    // --- a logged-in client announcing a 256 MiB PUBLISH (broker/src/packet-limit.ts) -------------
    const flood = floodAfterHeader(Number(new URL(url).port), HUGE_PUBLISH_HEADER, { login: { clientId: 'gas-02-flood', username: `${SITE}/gas-02`, password: GAS_PASSWORD }, maxBytes: 64 * 1024 * 1024 });
    const during = publishOutcome(gas1, topic1, JSON.stringify({ ts: base + 5000, seq: 6, readings: { ch4: 30, co: 2 } }));
    const cut = await flood;
    check('client announcing a 256 MiB PUBLISH', 'cut at the header', cut.connack && cut.closedAfterMs < 2000 && cut.sent < 16 * 1024 * 1024 ? 'cut at the header' : `connack ${cut.connack}, closed after ${cut.closedAfterMs} ms, ${cut.sent} bytes taken`);
    const duringOutcome = await during;
    if (duringOutcome === 'acked') published++;
    check('device publishing beside the oversized packet', 'acked', duringOutcome);

    // --- ACL: another device, another site, wildcards ------------------------------------------
    const gas2 = await connect(deviceLogin(SITE, 'gas-02', GAS_PASSWORD));
    const forged = JSON.stringify({ ts: Date.now(), seq: 1, readings: { ch4: 99, co: 400 } });
    check('device publishes for another device', 'disconnected', await publishOutcome(gas2, topic1, forged));
    const gas2b = await connect(deviceLogin(SITE, 'gas-02', GAS_PASSWORD));
    check('device publishes for another site', 'disconnected', await publishOutcome(gas2b, g.topics.telemetry({ site: 'kitchen-02' as SiteId, device: 'gas-02' as DeviceId }), forged));
    const gas2c = await connect(deviceLogin(SITE, 'gas-02', GAS_PASSWORD));
    check('device publishes the site stop-work order', 'disconnected', await publishOutcome(gas2c, g.topics.order(SITE as SiteId), JSON.stringify({ state: 'lifted' })));
    const gas2d = await connect(deviceLogin(SITE, 'gas-02', GAS_PASSWORD));
    check('device subscribes to #', 'suback 128', `suback ${await subackCode(gas2d, '#')}`);
    check('device subscribes to the dead letters', 'suback 128', `suback ${await subackCode(gas2d, 'shaobing/_deadletter/#')}`);
    check('device stays connected after refused subscriptions', 'true', String(gas2d.connected));

    // --- MQTT login throttle: the guesser waits, the account is never locked --------------------
    const tries: { outcome: string; ms: number }[] = [];
    for (let i = 0; i < LOGIN_LIMIT + 2; i++) {
      const t0 = Date.now();
      tries.push({ outcome: describeOutcome(await connectOutcome(url, deviceLogin(SITE, 'valve-01', `guess-${i}`))), ms: Date.now() - t0 });
    }
    // A scrypt takes its time on a busy machine: a wait is measured against the quickest free refusal.
    // DEFAULT_LOGIN_THROTTLE.baseDelayMs (250) for the first past the allowance, then doubled.
    const quickest = Math.min(...tries.slice(0, LOGIN_LIMIT).map((t) => t.ms));
    const attempts = tries.map((t, i) => (i >= LOGIN_LIMIT && t.ms - quickest >= 200 ? `${t.outcome} after a wait` : t.outcome));
    check('failed logins under one username', `${LOGIN_LIMIT}× refused 4, then refused 4 after a wait, refused 4 after a wait`, `${attempts.filter((a) => a === 'refused 4').length}× refused 4, then ${attempts.slice(LOGIN_LIMIT).join(', ')}`);
    check('right valve password while its username is under attack (never verified before)', 'connected', describeOutcome(await connectOutcome(url, deviceLogin(SITE, 'valve-01', DEMO_PASSWORDS['valve-01']))));
    for (let i = 0; i < LOGIN_LIMIT + 1; i++) await connectOutcome(url, deviceLogin(SITE, 'gas-01', `guess-${i}`));
    check('the real gas-01 reconnects while its username is under attack', 'connected', describeOutcome(await connectOutcome(url, deviceLogin(SITE, 'gas-01', GAS_PASSWORD))));

    // --- API: tokens, roles, revocation ------------------------------------------------------------
    check('API without a token', '401', String((await http(g, 'GET', '/api/v1/alarms')).status));
    const made = await http(g, 'POST', '/api/v1/tokens', TOKENS.admin, { name: 'night officer', role: 'officer' });
    const temp = made.json as { token?: string; info?: { id: string } };
    check('admin creates a token', '200', String(made.status));
    const alarm = await until(() => g.alarmRepo.active().find((a) => a.device === 'gas-01' && a.ruleId === 'kitchen-methane'), 10_000, 'the orange methane alarm');
    check('viewer acknowledges an alarm', '403', String((await http(g, 'POST', `/api/v1/alarms/${alarm.id}/ack`, TOKENS.viewer, {})).status));
    check('officer token lists tokens (admin only)', '403', String((await http(g, 'GET', '/api/v1/tokens', temp.token)).status));
    check('revoke the new token', '200', String((await http(g, 'DELETE', `/api/v1/tokens/${temp.info?.id ?? 'none'}`, TOKENS.admin)).status));
    check('revoked token acknowledges', '401', String((await http(g, 'POST', `/api/v1/alarms/${alarm.id}/ack`, temp.token, {})).status));
    check('officer acknowledges', '200', String((await http(g, 'POST', `/api/v1/alarms/${alarm.id}/ack`, TOKENS.officer, { note: 'on my way' })).status));

    // --- audit chain against an edited row in the running gateway's state.db ---------------------
    const verified = await http(g, 'GET', '/api/v1/audit/verify', TOKENS.admin);
    check('audit chain verifies before the edit', 'ok', verified.json.ok === true ? 'ok' : JSON.stringify(verified.json));
    const ackRow = (await http(g, 'GET', '/api/v1/audit?limit=50', TOKENS.admin)).json as { entries?: { id: number; action: string }[] };
    const ackId = ackRow.entries?.find((e) => e.action === 'alarm.ack')?.id ?? -1;
    const tamper = new Database(statePath(dir.path));
    try {
      tamper.exec('DROP TRIGGER audit_log_no_update');
      tamper.prepare("UPDATE audit_log SET actor = 'viewer faults' WHERE id = ?").run(ackId);
    } finally {
      tamper.close();
    }
    const broken = await http(g, 'GET', '/api/v1/audit/verify', TOKENS.admin);
    check('audit chain after an edited row', `broken at ${ackId}`, broken.json.ok === false ? `broken at ${String(broken.json.brokenAt)}` : 'ok');

    // --- API rate limits (last: the failure limit blocks this address for the window) -----------
    const statuses: number[] = [];
    for (let i = 0; i < API_LIMIT + 3; i++) statuses.push((await http(g, 'GET', '/api/v1/me', TOKENS.viewer)).status);
    const firstLimited = statuses.indexOf(429);
    check('viewer requests past the API limit', '429 from the limit on, 200 before', firstLimited > 0 && statuses.slice(0, firstLimited).every((s) => s === 200) && statuses.slice(firstLimited).every((s) => s === 429) ? '429 from the limit on, 200 before' : statuses.join(','));
    const failures: number[] = [];
    for (let i = 0; i < AUTH_FAILURE_LIMIT + 2; i++) failures.push((await http(g, 'GET', '/api/v1/me', `sb_guess-${i}`)).status);
    check('token guessing past the failure limit', '429', String(failures.at(-1)));
    check('good token from the blocked address', '200', String((await http(g, 'GET', '/api/v1/sites', TOKENS.admin)).status));

    // --- revocation of a device password: the gateway restarted with the rotated hash --------------
    for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
    await g.stop();
    gateway = await startTestGateway(configFor(true));
    check('revoked device password after rotation', 'refused 4', describeOutcome(await connectOutcome(gateway.url, deviceLogin(SITE, 'gas-02', GAS_PASSWORD))));
    check('rotated device password', 'connected', describeOutcome(await connectOutcome(gateway.url, deviceLogin(SITE, 'gas-02', ROTATED_PASSWORD))));

    // The restarted gateway drains what the journal holds into the store.
    let storedNow = await gateway.telemetry.countMessages({ site: SITE });
    for (const deadline = Date.now() + 10_000; storedNow < published && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      storedNow = await gateway.telemetry.countMessages({ site: SITE });
    }
    const alarms = alarmRows(dir.path);
    return {
      scenario: 'access',
      load: `${published} readings from gas-01 during ${Object.keys(checks).length} access attempts`,
      fault: 'anonymous, wrong and replayed (static and signed) credentials, a 256 MiB packet header, foreign topics, #, login and API floods, revoked token and password, edited audit row',
      published,
      stored: storedNow,
      lost: published - storedNow,
      alarmsExpected: 1,
      alarmsRaised: alarms.reduce((s, r) => s + r.n, 0),
      alarmsDuplicated: alarms.reduce((s, r) => s + Math.max(0, r.n - 1), 0),
      recoverMs: null,
      notes: `${Object.values(checks).filter((c) => c.expected === c.got).length}/${Object.keys(checks).length} checks as expected; ${notesOnReplay} (static password); a replayed signed password: ${checks['signed password replayed from a second client']?.got ?? 'not tried'}`,
      checks,
      notesOnReplay,
    };
  } finally {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await gateway?.stop();
    dir.remove();
  }
}
