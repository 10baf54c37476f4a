// Bulk provisioning: one file of N devices (a gas company's kitchens: each site created by the
// file, with two gas detectors, a shut-off valve and a fan) posted to the running gateway's
// import API; measures the seconds and rows/s until the secrets file is answered, the gateway's
// event-loop delay meanwhile, then how long the first imported device takes to connect with its
// secret. Floor: 10 000 rows in under 30 s.
// Run: npm run bench:import [-- --devices 10000 --out bench/results/import.json]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { deriveLoginKey, signLogin } from '../broker/src/signed-login.js';
import { hashToken } from '../dashboard-api/src/token-store.js';
import { startGateway, type Gateway } from '../gateway/src/compose.js';
import { configSchema, type ConfigInput } from '../gateway/src/config/schema.js';
import { silentLogger } from '../gateway/src/log.js';
import { parseCsv } from '../gateway/src/registry/provision/csv.js';
import { machineInfo, writeResult, type BenchResult } from './results.js';

const TOKEN = 'sb_bench-import-admin-0123456789abcdefghijklmnop';
const DEVICES_PER_SITE = 4;
const FLOOR_S = 30;

/** The file a gas company would send: English headers, each site created by its first row. */
export function kitchenFile(devices: number): string {
  const lines = ['site,siteName,address,device,kind,channels,space,installedOn,replaceBy'];
  const kinds = [
    ['gas-01', 'detector', 'ch4:methane_lel;co:co_ppm', 'kitchen'],
    ['gas-02', 'detector', 'ch4:methane_lel', 'store-room'],
    ['valve-01', 'valve', '', ''],
    ['fan-01', 'fan', '', ''],
  ] as const;
  for (let i = 0; i < devices; i++) {
    const s = Math.floor(i / DEVICES_PER_SITE);
    const [device, kind, channels, space] = kinds[i % DEVICES_PER_SITE]!;
    const first = i % DEVICES_PER_SITE === 0;
    // CJJ/T 146-2011: detectors replaced after 3 years in commercial kitchens, valves after 10.
    const replaceBy = kind === 'valve' ? '2036-03-01' : '2029-03-01';
    lines.push([`k-${s}`, first ? `"餐馆 ${s} 号"` : '', first ? `"解放路 ${s} 号, 后厨"` : '', device, kind, channels, space, '2026-03-01', replaceBy].join(','));
  }
  return lines.join('\n') + '\n';
}

/** A gateway with its API; its embedded broker follows the registry, so an imported device may log in at once. */
async function target(dataDir: string): Promise<{ url: string; mqttUrl: string; stop(): Promise<void> }> {
  const config = configSchema.parse({
    // The config needs one site; the gas company's kitchens all come from the file.
    sites: [{ id: 'hq', name: 'bench HQ', devices: [] }],
    broker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0, bootstrapTokens: [{ name: 'bench admin', role: 'admin', tokenHash: hashToken(TOKEN) }], rateLimit: { max: 100_000, windowS: 60 } },
    storage: { dataDir },
    log: { level: 'silent' },
  } satisfies ConfigInput);
  const gateway: Gateway = await startGateway(config, { log: silentLogger() });
  return { url: `http://127.0.0.1:${gateway.apiPort}`, mqttUrl: `mqtt://127.0.0.1:${gateway.brokerPort}`, stop: () => gateway.stop() };
}

async function connectMs(url: string, secret: string, username: string, limitMs: number): Promise<number | null> {
  const t0 = performance.now();
  const key = deriveLoginKey(secret, username);
  const clientId = username.replace('/', '-');
  while (performance.now() - t0 < limitMs) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = mqtt.connect(url, { username, clientId, password: signLogin({ loginKey: key, username, clientId, atMs: Date.now() }), reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
      c.once('connect', () => (c.end(true), resolve(true)));
      c.once('error', () => (c.end(true), resolve(false)));
    });
    if (ok) return Math.round(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { devices: { type: 'string', default: '10000' }, out: { type: 'string', default: 'bench/results/import.json' } } });
  const devices = Number(values.devices);
  const dataDir = mkdtempSync(join(tmpdir(), 'shaobing-bench-import-'));
  const gw = await target(dataDir);
  try {
    const file = kitchenFile(devices);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await fetch(`${gw.url}/api/v1/devices/import`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' }, body: file });
    const text = await res.text();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    if (res.status !== 200) throw new Error(`import answered ${res.status}: ${text.slice(0, 500)}`);
    const read = parseCsv(text);
    if (!read.ok) throw new Error(`secrets file unreadable: ${read.reason}`);
    const secrets = read.records.slice(1);
    const first = secrets[0]!.cells;
    const connect = await connectMs(gw.mqttUrl, first[3]!, first[2]!, 10_000);
    const result: BenchResult = {
      ...machineInfo(),
      devices,
      sites: Math.ceil(devices / DEVICES_PER_SITE),
      file_bytes: Buffer.byteLength(file),
      seconds: Number(seconds.toFixed(2)),
      rows_per_s: Math.round(devices / seconds),
      // The machine is shared: CPU time of this process (client and gateway both) is the steadier figure.
      cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      secrets: secrets.length,
      floor_s: FLOOR_S,
      within_floor: seconds < FLOOR_S ? 'yes' : 'no',
      loop_delay_max_ms: Math.round(loop.max / 1e6),
      first_device_connect_ms: connect ?? 'not connected within 10 s',
    };
    writeResult(values.out, 'bench/results/import.json', result);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
