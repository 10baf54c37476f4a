// MQTT over TLS on the embedded broker (broker/src/tls-listener.ts) with real handshakes against a
// CA made for the test: mqtt.js and mosquitto_pub with the CA get their readings on disk, a client
// without the CA and plain MQTT on the TLS port get nothing, the plain port is closed unless kept,
// the packet-size guard cuts TLS clients too, and bad files stop the start naming the field.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { ConfigError } from '../../../gateway/src/errors.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { DEMO_PASSWORDS, DEMO_SITE, startTestGateway, testConfig, testConfigInput } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { connectPacket, HUGE_PUBLISH_HEADER } from '../../support/raw-mqtt.js';
import { CLI, cliMissing, freePort, writeConfig } from '../../support/gateway-process.js';
import { connectOutcome, journalReading, makeCa, makeServerCert, type Pem } from '../../support/tls.js';

const run = promisify(execFile);
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
type TlsInput = NonNullable<NonNullable<ConfigInput['broker']>['tls']>;

function tlsPatch(tls: TlsInput, broker: { port?: number } = {}) {
  return (c: ConfigInput) => void (c.broker = { ...c.broker, ...broker, tls: { port: 0, ...tls } });
}

function withTls(dataDir: string, tls: TlsInput, broker: { port?: number } = {}) {
  return testConfig(dataDir, tlsPatch(tls, broker));
}

describe('MQTT over TLS on the embedded broker', () => {
  const fx = useGatewayFixture();
  let dir: ReturnType<typeof tempDir>;
  let ca: Pem;
  let server: Pem;
  let gateway: Gateway;
  let url: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = tempDir();
    ca = makeCa(dir.path);
    server = makeServerCert(dir.path, ca);
    gateway = await startTestGateway(withTls(dir.path, { certFile: server.certFile, keyFile: server.keyFile }));
    url = `mqtts://localhost:${gateway.brokerTlsPort}`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  afterAll(async () => {
    await gateway?.stop();
    dir?.remove();
  });

  it('takes a reading from mqtt.js over TLS 1.2+ and acknowledges it once it is on disk', async () => {
    const device = await connectClient(url, { ...deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']), ca: readFileSync(ca.certFile) });
    clients.push(device);
    const protocol = (device.stream as unknown as { getProtocol(): string | null }).getProtocol();
    expect(['TLSv1.2', 'TLSv1.3']).toContain(protocol);
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    await device.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq: 101, readings: { ch4: 2, co: 3 } }), { qos: 1 });
    // The PUBACK is back: the journal already holds the reading (ack means on disk).
    expect(journalReading(dir.path, DEMO_SITE, 'gas-01', 101)).toEqual({ seq: 101 });
  });

  it('takes a reading from mosquitto_pub --cafile', async () => {
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const payload = JSON.stringify({ ts: Date.now(), seq: 202, readings: { ch4: 2, co: 3 } });
    await run('mosquitto_pub', ['-h', 'localhost', '-p', String(gateway.brokerTlsPort), '--cafile', ca.certFile, '-u', `${DEMO_SITE}/gas-01`, '-P', DEMO_PASSWORDS['gas-01'], '-i', 'mosquitto-pub-tls', '-q', '1', '-t', topic, '-m', payload], { timeout: 10_000 });
    expect(journalReading(dir.path, DEMO_SITE, 'gas-01', 202)).toEqual({ seq: 202 });
  });

  it('fails the handshake of a client that does not trust the CA, and of mosquitto_pub without --cafile', async () => {
    const outcome = await connectOutcome(url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    expect(outcome).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|unable to verify/);
    // An empty --capath makes mosquitto verify against nothing rather than the system store.
    const emptyCaDir = join(dir.path, 'no-cas');
    mkdirSync(emptyCaDir, { recursive: true });
    const pub = await run('mosquitto_pub', ['-h', 'localhost', '-p', String(gateway.brokerTlsPort), '--capath', emptyCaDir, '-u', `${DEMO_SITE}/gas-01`, '-P', DEMO_PASSWORDS['gas-01'], '-t', 'x', '-m', 'y'], { timeout: 10_000 }).then(
      () => 'published',
      (err: { code?: number }) => `exit ${err.code}`,
    );
    expect(pub).not.toBe('published');
  });

  it('answers plain MQTT on the TLS port with no CONNACK and closes it', async () => {
    const socket = netConnect(gateway.brokerTlsPort!, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(connectPacket('plain-on-tls', `${DEMO_SITE}/gas-01`, DEMO_PASSWORDS['gas-01']));
    const closed = await Promise.race([new Promise<boolean>((r) => socket.once('close', () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    socket.destroy();
    expect(closed).toBe(true);
    // Whatever came back (a TLS alert at most) is no CONNACK (0x20).
    expect(Buffer.concat(received)[0]).not.toBe(0x20);
  });

  it('closes the plain port when broker.tls is set without keepPlain', async () => {
    expect(gateway.brokerPort).toBeNull();
    const port = await freePort();
    await fx.start({ patch: tlsPatch({ certFile: server.certFile, keyFile: server.keyFile }, { port }) });
    const refused = await new Promise<string>((resolve) => {
      const s = netConnect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve('open')));
      s.once('error', (err: NodeJS.ErrnoException) => resolve(String(err.code)));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('keeps the plain port beside TLS with keepPlain, both logging devices in', async () => {
    const g = await fx.start({ patch: tlsPatch({ certFile: server.certFile, keyFile: server.keyFile, keepPlain: true }) });
    expect(g.brokerPort).not.toBeNull();
    expect(g.brokerTlsPort).not.toBe(g.brokerPort);
    const login = deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']);
    expect(await connectOutcome(`mqtt://127.0.0.1:${g.brokerPort}`, login)).toBe('connected');
    expect(await connectOutcome(`mqtts://localhost:${g.brokerTlsPort}`, { ...login, ca: readFileSync(ca.certFile) })).toBe('connected');
  });

  it('cuts a connection that never starts its handshake after handshakeTimeoutS', async () => {
    const g = await fx.start({ patch: tlsPatch({ certFile: server.certFile, keyFile: server.keyFile, handshakeTimeoutS: 0.3 }) });
    const socket = netConnect(g.brokerTlsPort!, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const t0 = Date.now();
    const closed = await Promise.race([new Promise<boolean>((r) => socket.once('close', () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    socket.destroy();
    expect(closed).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('cuts a handshake dribbled one byte at a time once handshakeTimeoutS has passed', async () => {
    const g = await fx.start({ patch: tlsPatch({ certFile: server.certFile, keyFile: server.keyFile, handshakeTimeoutS: 0.5 }) });
    const socket = netConnect(g.brokerTlsPort!, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let closed = false;
    socket.once('close', () => (closed = true));
    // A TLS record header announcing 512 bytes, then one byte every 100 ms: OpenSSL waits for
    // the whole record, and the bytes must not restart the handshake deadline.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
    const t0 = Date.now();
    while (!closed && Date.now() - t0 < 5000) {
      socket.write(Buffer.from([0]));
      await new Promise((r) => setTimeout(r, 100));
    }
    socket.destroy();
    expect(closed).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('cuts a TLS client whose PUBLISH header announces more than maxPacketBytes', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', servername: 'localhost', port: gateway.brokerTlsPort!, ca: readFileSync(ca.certFile) });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const connack = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(connectPacket('tls-flood', `${DEMO_SITE}/gas-01`, DEMO_PASSWORDS['gas-01']));
    expect((await connack)[0]).toBe(0x20);
    const closed = new Promise<boolean>((r) => socket.once('close', () => r(true)));
    socket.write(Buffer.concat([HUGE_PUBLISH_HEADER, Buffer.alloc(64 * 1024)]));
    expect(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))])).toBe(true);
    expect(gateway.inside.ingress.kind === 'embedded' && (gateway.inside.ingress as unknown as { brokerStats(): { oversizeCuts: number } }).brokerStats().oversizeCuts).toBeGreaterThanOrEqual(1);
  });
});

describe('broker.tls files that cannot be served', () => {
  let dir: ReturnType<typeof tempDir>;
  let ca: Pem;
  let server: Pem;
  let other: Pem;

  beforeAll(() => {
    dir = tempDir();
    ca = makeCa(dir.path);
    server = makeServerCert(dir.path, ca);
    other = makeServerCert(dir.path, ca, 'other');
  });

  afterAll(() => dir?.remove());

  async function startError(tls: TlsInput, broker: { port?: number } = {}): Promise<unknown> {
    const d = tempDir();
    try {
      const g = await startTestGateway(withTls(d.path, tls, broker));
      await g.stop();
      return 'started';
    } catch (err) {
      return err;
    } finally {
      d.remove();
    }
  }

  it('stops the start when the key is not the certificate’s, naming broker.tls.keyFile and the fix, and frees the plain port', async () => {
    const port = await freePort();
    const err = await startError({ certFile: server.certFile, keyFile: other.keyFile, keepPlain: true }, { port });
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual([{ path: 'broker.tls.keyFile', message: expect.stringContaining('does not match the certificate') }]);
    // The plain listener that started first was closed again.
    await new Promise<void>((resolve, reject) => {
      const probe = createServer().once('error', reject);
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
  });

  it('makes `shaobing start` exit 1 with one line naming broker.tls.keyFile', async () => {
    expect(cliMissing()).toBeNull();
    const d = tempDir();
    try {
      const file = writeConfig(d.path, testConfigInput(d.path, (c) => void (c.broker = { ...c.broker, tls: { port: 0, certFile: server.certFile, keyFile: other.keyFile } })));
      const out = await run(process.execPath, [CLI, 'start', '--config', file], { timeout: 20_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/shaobing start: .*broker\.tls\.keyFile: the key in .*other\.key does not match the certificate in .*server\.crt/);
    } finally {
      d.remove();
    }
  });

  it('makes `shaobing check-config` check the files as start would', async () => {
    expect(cliMissing()).toBeNull();
    const d = tempDir();
    try {
      const config = (keyFile: string) => writeConfig(d.path, testConfigInput(d.path, (c) => void (c.broker = { ...c.broker, tls: { port: 8883, certFile: server.certFile, keyFile } })));
      const bad = await run(process.execPath, [CLI, 'check-config', '--config', config(other.keyFile)], { timeout: 20_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/broker\.tls\.keyFile: the key in .*other\.key does not match/);
      const good = await run(process.execPath, [CLI, 'check-config', '--config', config(server.keyFile)], { timeout: 20_000 });
      expect(good.stdout).toMatch(/broker: embedded, plain port closed/);
      expect(good.stdout).toMatch(/broker TLS: 127\.0\.0\.1:8883, CN=localhost \(DNS:localhost, IP Address:127\.0\.0\.1\), valid to \d{4}-/);
    } finally {
      d.remove();
    }
  });

  it('names a missing certificate file, swapped files and a bad CA bundle', async () => {
    const missing = (await startError({ certFile: join(dir.path, 'nope.crt'), keyFile: server.keyFile })) as ConfigError;
    expect(missing.problems).toEqual([{ path: 'broker.tls.certFile', message: expect.stringMatching(/cannot read the certificate .*nope\.crt: no such file/) }]);
    const swapped = (await startError({ certFile: server.keyFile, keyFile: server.certFile })) as ConfigError;
    expect(swapped.problems.map((p) => p.path)).toEqual(['broker.tls.certFile', 'broker.tls.keyFile']);
    expect(swapped.message).toMatch(/swapped/);
    const junk = join(dir.path, 'junk.pem');
    writeFileSync(junk, 'not a pem file\n');
    const badCa = (await startError({ certFile: server.certFile, keyFile: server.keyFile, caFile: junk })) as ConfigError;
    expect(badCa.problems).toEqual([{ path: 'broker.tls.caFile', message: expect.stringContaining('holds no PEM certificate') }]);
  });

  it('refuses requireClientCert without caFile at config validation', () => {
    expect(() => withTls(dir.path, { certFile: server.certFile, keyFile: server.keyFile, requireClientCert: true })).toThrow(/caFile/);
  });

  it('serves a chain file (server certificate then the CA) the same', async () => {
    const chain = join(dir.path, 'chain.crt');
    writeFileSync(chain, readFileSync(server.certFile, 'utf8') + readFileSync(ca.certFile, 'utf8'));
    expect(await startError({ certFile: chain, keyFile: server.keyFile })).toBe('started');
    const reversed = join(dir.path, 'reversed.crt');
    writeFileSync(reversed, readFileSync(ca.certFile, 'utf8') + readFileSync(server.certFile, 'utf8'));
    const err = (await startError({ certFile: reversed, keyFile: server.keyFile })) as ConfigError;
    expect(err.message).toMatch(/put the server's own certificate first/);
  });
});
