#!/usr/bin/env node
// The `shaobing` command: start the gateway, run the demo or a simulator, check a config file,
// hash a device password, export reports. Output here is for people, so it uses the console.

import { parseArgs } from 'node:util';
import { loadConfig, formatConfigError } from './config/load.js';
import { demoConfig } from './config/demo.js';
import { effectiveRules } from './config/effective-rules.js';
import { ConfigError, RegistryError } from './errors.js';
import { DataDirInUse } from './store/data-dir-lock.js';
import { createLogger } from './log.js';
import type { Gateway } from './compose.js';
import type { Config } from './config/schema.js';
import { isFleetPath, reloadPlan } from './config/reload-plan.js';
import { hash, loginKey, readStdinLine } from './cli-credentials.js';
import { loadTlsContext } from '../../broker/src/tls-context.js';
// The gateway, the demo, the simulators and the dashboard's command lines are imported by the
// commands that run them: `hash-password` loading all of them took ~0.8 s of its ~0.85 s.
const compose = () => import('./compose.js');
const tokenCli = () => import('../../dashboard-api/src/token-cli.js');
const knownIdsOf = () => import('./registry/known-ids.js');
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USAGE = `哨兵 Shaobing — MQTT safety-alarm gateway for gas, water-level and temperature sensors

Usage: shaobing <command> [options]

Commands:
  start [--config FILE]         run broker (embedded) or client (external), gateway and API;
                                SIGHUP re-reads the config (log.level, notify.roster, sites,
                                regions and organisations live, the rest named for a restart)
                                and the broker.tls and api.tls certificates
  demo [--seed N] [--interval-ms N] [--fast] [--data-dir DIR] [--verbose]
                                a simulated kitchen leak, told end to end, on the embedded defaults
  simulate [options]            run a device simulator against a broker (see simulate --help)
  check-config [--config FILE]  validate a config file (every problem, exit 1) and print what it sets up
  hash-password [PASSWORD]      print a password hash for a device (reads one stdin line without PASSWORD)
  login-key SITE/DEVICE         print the loginKey of a signed-login device (reads its secret from stdin)
  token create --role viewer|owner|officer|admin --name NAME [--scope SCOPE] [--config FILE]
                                make an API token (printed once); token list | token revoke ID
  user create NAME --role viewer|owner|officer|admin [--scope SCOPE] [--password-stdin]
                                a person who logs in to the page; user list | unlock | disable | enable NAME
                                (SCOPE: all, region:ID[,region:ID…], org:ID or site:ID)
  devices import FILE [--partial] [--replace] [--out FILE] [--api URL] [--token T]
                                import devices (CSV/XLSX) into the running gateway; writes their secrets
  sites put FILE | sites remove ID [--with-devices]
                                create or change sites (YAML/JSON) in the running gateway, or remove one
  regions put FILE | regions list | regions remove ID
                                the region tree of the running gateway (see regions --help)
  organisations put FILE | organisations list | organisations remove ID
                                the organisations (gas suppliers, operators) sites belong to
  export alarms|orders|devices [--from DAY] [--to DAY] [--site S] [--format csv|xlsx] [--out FILE]
                                the safety bureau's report as CSV or XLSX (see export --help)
  registry export [--config FILE]
                                print the fleet registry (regions, organisations, sites and
                                devices) as YAML a config file accepts

Config: --config FILE, else $SHAOBING_CONFIG, else ./shaobing.yaml, else the built-in demo site.
Environment variables SHAOBING_<SECTION>__<KEY> override the file (e.g. SHAOBING_BROKER__PORT=1884).`;

/** The config of `--config FILE` (else $SHAOBING_CONFIG, ./shaobing.yaml, the demo), for the account commands. */
function configOf(file: string | undefined): Config {
  return loadConfig({ ...(file ? { file } : process.env.SHAOBING_CONFIG ? { file: process.env.SHAOBING_CONFIG } : {}), env: process.env, cwd: process.cwd(), demo: demoConfig }).config;
}

function configFile(argv: string[]): string | undefined {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  return values.config ?? process.env.SHAOBING_CONFIG;
}

function load(argv: string[]) {
  const file = configFile(argv);
  return loadConfig({ ...(file !== undefined ? { file } : {}), env: process.env, cwd: process.cwd(), demo: demoConfig });
}

/** One line naming why `start` failed and what to do, from the error and the config it ran on. */
export function startFailure(err: unknown, config: Config): string {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string; cause?: NodeJS.ErrnoException };
  const code = e?.code ?? e?.cause?.code;
  if ((code === 'EADDRINUSE' || code === 'EACCES') && typeof e.port === 'number') {
    const field =
      config.broker.mode === 'embedded' && e.port === config.broker.port ? 'broker.port' : config.api.enabled && e.port === config.api.port ? 'api.port' : 'a port of the config';
    const env = field === 'broker.port' ? ' (or SHAOBING_BROKER__PORT)' : field === 'api.port' ? ' (or SHAOBING_API__PORT)' : '';
    const what = code === 'EADDRINUSE' ? 'is already in use' : 'needs privileges this process lacks';
    return `port ${e.port} on ${e.address ?? config.broker.host} ${what} (${field}): stop the process holding it or set another ${field}${env}`;
  }
  const text = String(e?.message ?? err).replace(/\s*\n\s*/g, ' ');
  if (e instanceof DataDirInUse) return text; // names the directory, the holder and the fix itself
  if (['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOSPC', 'SQLITE_CANTOPEN', 'SQLITE_READONLY'].includes(String(code)) || text.includes(config.storage.dataDir)) {
    return `data directory ${config.storage.dataDir} is not usable (storage.dataDir): ${text}; give a writable directory (or SHAOBING_STORAGE__DATA_DIR)`;
  }
  return text;
}

/** Where the command line reaches the running gateway's API. */
function apiUrl(config: Config): string {
  if (config.api.publicUrl) return config.api.publicUrl;
  const host = config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.api.port}`;
}

async function start(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const { config, source } = load(argv);
  const log = createLogger(config.log.level);
  // Node's default for SIGHUP is to end the process: while starting, say it came too early instead.
  const tooEarly = () => log.warn('SIGHUP while starting: ignored; send it again once the gateway is ready');
  process.on('SIGHUP', tooEarly);
  let runtime: Gateway;
  try {
    runtime = await (await compose()).startGateway(config, { log });
  } catch (err) {
    // One line a supervisor's log shows and a person can act on; the exit code lets it restart us.
    console.error(`shaobing start: ${startFailure(err, config)}`);
    return 1;
  } finally {
    process.off('SIGHUP', tooEarly);
  }
  log.info(
    { source, broker: config.broker.mode, brokerPort: runtime.brokerPort, brokerTlsPort: runtime.brokerTlsPort, apiPort: runtime.apiPort, startupMs: Math.round(performance.now() - t0) },
    'shaobing gateway ready',
  );
  // SIGHUP re-reads the config (the daemon convention): a bad file changes nothing, what can be
  // taken live is applied, and the rest is named as waiting for a restart. Never an exit.
  let running: Config = config;
  process.on('SIGHUP', () => {
    // The broker's TLS files first, whatever the config file holds: a renewed certificate (a
    // certbot deploy hook sends SIGHUP) must not wait on the config. Connections stay up; the
    // listener logs what it now serves, or why it kept the previous certificate.
    if (config.broker.mode === 'embedded' && config.broker.tls) runtime.reloadTls();
    if (config.api.enabled && config.api.tls) runtime.reloadApiTls();
    try {
      const next = load(argv).config;
      const plan = reloadPlan(running, next);
      const applied: string[] = [];
      const restart = [...plan.restart];
      if (plan.live.includes('log.level')) {
        log.level = next.log.level;
        running = { ...running, log: next.log };
        applied.push('log.level');
      }
      if (plan.live.includes('notify.roster')) {
        if (runtime.faces.notifier.setRoster(next.notify.roster)) {
          running = { ...running, notify: { ...running.notify, roster: next.notify.roster } };
          applied.push('notify.roster');
        } else restart.push('notify.roster (it turns notification on or off)');
      }
      // Applied on every SIGHUP, changed or not: the file wins again over a registry edit of a
      // record it holds (registry/apply-config.ts), and an unchanged file writes nothing.
      try {
        const fleet = runtime.reloadFleet(next);
        running = { ...running, sites: next.sites, regions: next.regions, organisations: next.organisations };
        applied.push(...plan.live.filter(isFleetPath));
        if (fleet.writes > 0 && !plan.live.some(isFleetPath)) applied.push(`fleet registry (${fleet.writes} record${fleet.writes === 1 ? '' : 's'} restored to the file)`);
        if (fleet.kept.length > 0) log.warn({ source, kept: fleet.kept }, 'records dropped from the config file are kept (the registry still needs them): sites holding devices added through the API, regions and organisations registry records name');
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err;
        // Nothing of the file's fleet was written (one transaction): the gateway keeps watching
        // the sites it had, and says what the file must fix.
        log.error({ source, problems: err.problems }, 'config reload (SIGHUP): the fleet registry refused the sites, regions or organisations; still running on the previous ones');
      }
      if (applied.length === 0 && restart.length === 0) log.info({ source }, 'config reloaded (SIGHUP): no change');
      if (applied.length > 0) log.info({ source, applied }, 'config reloaded (SIGHUP): applied live');
      if (restart.length > 0) log.warn({ source, needsRestart: restart }, 'config reloaded (SIGHUP): these changes take effect only after a restart');
    } catch (err) {
      const problems = err instanceof ConfigError ? err.message.split('\n') : [String((err as Error)?.message ?? err)];
      log.error({ source, problems }, 'config reload (SIGHUP) refused: still running on the previous config');
    }
  });
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      runtime.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

function checkConfig(argv: string[]): number {
  let loaded;
  try {
    loaded = load(argv);
  } catch (err) {
    // Every problem found, schema and cross-field alike, each with file, path and fix; never "valid".
    if (!(err instanceof ConfigError)) throw err;
    console.error(formatConfigError(err, 'shaobing check-config: not valid'));
    return 1;
  }
  const { config, source } = loaded;
  const rules = effectiveRules(config); // already checked by load: cannot fail here
  const tls = config.broker.mode === 'embedded' ? config.broker.tls : undefined;
  // The certificate files are part of what start needs: check them here too, as start would.
  const files = tls ? loadTlsContext(tls, tls.minVersion) : undefined;
  const apiTls = config.api.enabled && config.api.tls ? loadTlsContext(config.api.tls, config.api.tls.minVersion) : undefined;
  const tlsProblems = [...(files && !files.ok ? files.problems.map((p) => `broker.tls.${p.field}: ${p.message}`) : []), ...(apiTls && !apiTls.ok ? apiTls.problems.map((p) => `api.tls.${p.field}: ${p.message}`) : [])];
  if (tlsProblems.length > 0) {
    console.error(`shaobing check-config: not valid: ${tlsProblems.length} TLS file problem${tlsProblems.length === 1 ? '' : 's'}`);
    for (const p of tlsProblems) console.error(`  • ${source}: ${p}`);
    return 1;
  }
  console.log(`${source}: valid`);
  const plain = !tls || tls.keepPlain ? `embedded on ${config.broker.host}:${config.broker.port}` : 'embedded, plain port closed (broker.tls without keepPlain)';
  console.log(`  broker: ${config.broker.mode === 'embedded' ? plain : config.broker.url}`);
  if (tls && files?.ok) {
    const s = files.served;
    console.log(`  broker TLS: ${tls.host ?? config.broker.host}:${tls.port}, ${s.subject} (${s.subjectAltName ?? 'no subjectAltName'}), valid to ${s.validTo.toISOString()}${tls.caFile ? `, device certificates from ${tls.caFile}${tls.requireClientCert ? ' (required)' : ''}` : ''}`);
  }
  if (config.api.enabled) {
    const served = apiTls?.ok ? `, ${apiTls.served.subject} (${apiTls.served.subjectAltName ?? 'no subjectAltName'}), valid to ${apiTls.served.validTo.toISOString()}` : '';
    console.log(`  api: ${apiTls?.ok ? 'https' : 'http'}://${config.api.host}:${config.api.port}${served}`);
  }
  console.log(`  storage: ${config.storage.dataDir} (synchronous=${config.storage.synchronous})`);
  for (const site of config.sites) {
    console.log(`  site ${site.id} (${site.name})${site.preset ? ` preset ${site.preset}` : ''}: ${site.devices.map((d) => `${d.id}[${d.kind}]`).join(', ')}`);
    const own = rules.filter((r) => !r.sites || r.sites.includes(site.id));
    console.log(`    rules: ${own.map((r) => `${r.id}${r.stopWork ? ' (stop-work at red)' : ''}`).join(', ')}`);
  }
  return 0;
}

async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      seed: { type: 'string', default: '7' },
      'interval-ms': { type: 'string', default: '500' },
      'data-dir': { type: 'string' },
      fast: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  const intervalMs = Number(values['interval-ms']);
  if (!Number.isInteger(seed) || !Number.isInteger(intervalMs) || intervalMs < 10) {
    console.error('shaobing demo: --seed and --interval-ms take whole numbers (interval at least 10 ms)');
    return 2;
  }
  // Tokens for the page, made in the demo's state database before it starts.
  const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'shaobing-demo-'));
  const tokens = (await tokenCli()).demoTokens(dataDir);
  console.log(`API tokens for the page (Authorization: Bearer …): viewer ${tokens.viewer}`);
  console.log(`                                                   officer ${tokens.officer}`);
  return (await import('./demo.js')).runDemo({ seed, intervalMs, fast: values.fast, verbose: values.verbose, dataDir });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start(rest);
      case 'demo':
        return await demo(rest);
      case 'simulate':
        return await (await import('../../simulators/src/cli.js')).simulate(rest);
      case 'check-config':
        return checkConfig(rest);
      case 'hash-password':
        return await hash(rest);
      case 'login-key':
        return await loginKey(rest);
      case 'token': {
        const { knownIds } = await knownIdsOf();
        return (await tokenCli()).tokenCommand(
          rest,
          (file) => configOf(file).storage.dataDir,
          { out: (line) => console.log(line), err: (line) => console.error(line) },
          (file) => knownIds(configOf(file)),
        );
      }
      case 'user': {
        const { USER_USAGE, userCommand } = await import('../../dashboard-api/src/users/user-cli.js');
        const { knownIds } = await knownIdsOf();
        if (rest.includes('--help') || rest.includes('-h')) {
          console.log(USER_USAGE);
          return 0;
        }
        return await userCommand(
          rest,
          { dataDir: (file) => configOf(file).storage.dataDir, targets: (file) => knownIds(configOf(file)) },
          { out: (line) => console.log(line), err: (line) => console.error(line), readPassword: readStdinLine },
        );
      }
      case 'export': {
        const { EXPORT_USAGE, exportCommand } = await import('../../dashboard-api/src/export/export-cli.js');
        if (rest.includes('--help') || rest.includes('-h')) {
          console.log(EXPORT_USAGE);
          return 0;
        }
        return await exportCommand(rest, (file) => load(file === undefined ? [] : ['--config', file]).config, {
          out: (line) => console.log(line),
          err: (line) => console.error(line),
          stdout: process.stdout,
        });
      }
      case 'devices': {
        const { devicesCommand } = await import('../../dashboard-api/src/devices-cli.js');
        return await devicesCommand(rest, (file) => apiUrl(load(file === undefined ? [] : ['--config', file]).config), {
          out: (line) => console.log(line),
          err: (line) => console.error(line),
        }, { SHAOBING_TOKEN: process.env.SHAOBING_TOKEN });
      }
      case 'sites':
      case 'regions':
      case 'organisations': {
        const { fleetCommand } = await import('../../dashboard-api/src/fleet-cli.js');
        return await fleetCommand(command, rest, (file) => apiUrl(load(file === undefined ? [] : ['--config', file]).config), {
          out: (line) => console.log(line),
          err: (line) => console.error(line),
        }, { SHAOBING_TOKEN: process.env.SHAOBING_TOKEN });
      }
      case 'registry':
        return (await import('./registry/registry-cli.js')).registryCommand(rest, (file) => load(file === undefined ? [] : ['--config', file]).config, {
          out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
          err: (line) => console.error(line),
        });
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`shaobing: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(formatConfigError(err));
      return 1;
    }
    console.error(`shaobing ${command}: ${(err as Error).message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Demo and one-shot commands end here even if a client library left a timer behind; so does a
    // start that failed half-way (a listening broker must not keep a failed gateway alive).
    if (process.argv[2] !== 'start' || code !== 0) setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
