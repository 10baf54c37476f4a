// `shaobing simulate`: runs a seeded scenario against a broker with a simulated detector and
// valve, printing one line per reading and per valve event. The main CLI dispatches here.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_PREFIX, makeTopics } from '../../gateway/src/contract/topics.js';
import { DEMO_PASSWORDS } from '../../gateway/src/config/demo.js';
import { DEFAULT_LEAK_OPTIONS } from './scenarios/restaurant-leak.js';
import { startKitchenLeak, type KitchenLeakRun } from './scenarios/kitchen-run.js';

const SCENARIOS = ['restaurant-leak'] as const;

const USAGE = `Usage: shaobing simulate [options]

Runs a seeded scenario: a kitchen gas detector reports a leak, and a shut-off valve closes when
the gateway commands it (or when the retained site order is active). Stops when the gas is back
to normal after the valve closed (exit 0) or after --max-steps readings (exit 1).

  --url URL               broker URL (default mqtt://127.0.0.1:1883); mqtts://HOST:8883 for TLS
  --ca FILE               CA certificate (PEM) the broker's TLS certificate is checked against
                          (mqtts:// only; default: the system's CAs)
  --prefix PREFIX         topic prefix (default ${DEFAULT_PREFIX})
  --site ID               site id (default kitchen-01)
  --device ID             detector id (default gas-01)
  --valve ID              valve id (default valve-01)
  --password PW           detector password (default: the public demo password, ${DEMO_PASSWORDS['gas-01']})
  --valve-password PW     valve password (default: the public demo password, ${DEMO_PASSWORDS['valve-01']})
  --login MODE            static (default): send the passwords as they are; signed: treat them as
                          device secrets and log in with one-time signed passwords (README, MQTT)
  --scenario NAME         ${SCENARIOS.join(', ')} (default restaurant-leak)
  --seed N                noise seed; the same seed replays the same readings (default ${DEFAULT_LEAK_OPTIONS.seed})
  --interval-ms N         time between readings (default ${DEFAULT_LEAK_OPTIONS.intervalMs})
  --max-steps N           stop after this many readings (default 600)
  --help                  show this text`;

interface SimulateArgs {
  readonly url: string;
  readonly prefix: string;
  readonly site: string;
  readonly device: string;
  readonly valve: string;
  readonly password: string;
  readonly valvePassword: string;
  readonly login: 'static' | 'signed';
  readonly ca: Buffer | undefined;
  readonly seed: number;
  readonly intervalMs: number;
  readonly maxSteps: number;
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  return value;
}

function readCa(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw new Error(`--ca ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`--ca ${file} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
  return pem;
}

/** Parsed arguments, 'help', or a message saying what is wrong with them. */
function parse(argv: string[]): SimulateArgs | 'help' | { error: string } {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        ca: { type: 'string' },
        prefix: { type: 'string', default: DEFAULT_PREFIX },
        site: { type: 'string', default: 'kitchen-01' },
        device: { type: 'string', default: 'gas-01' },
        valve: { type: 'string', default: 'valve-01' },
        password: { type: 'string' },
        'valve-password': { type: 'string' },
        login: { type: 'string', default: 'static' },
        scenario: { type: 'string', default: 'restaurant-leak' },
        seed: { type: 'string' },
        'interval-ms': { type: 'string' },
        'max-steps': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) return 'help';
    if (values.login !== 'static' && values.login !== 'signed') return { error: `--login must be static or signed, got ${JSON.stringify(values.login)}` };
    if (values.ca !== undefined && !/^(mqtts|ssl|tls|wss):\/\//.test(values.url)) return { error: `--ca checks a TLS broker: give an mqtts:// --url (got ${values.url})` };
    if (!(SCENARIOS as readonly string[]).includes(values.scenario)) return { error: `unknown scenario ${JSON.stringify(values.scenario)}; known: ${SCENARIOS.join(', ')}` };
    return {
      url: values.url,
      prefix: values.prefix,
      site: values.site,
      device: values.device,
      valve: values.valve,
      // The demo site's public passwords, so `npm start` + `npm run simulate` work as they are.
      password: values.password ?? DEMO_PASSWORDS['gas-01'],
      valvePassword: values['valve-password'] ?? DEMO_PASSWORDS['valve-01'],
      login: values.login,
      ca: values.ca === undefined ? undefined : readCa(values.ca),
      seed: integer('seed', values.seed, DEFAULT_LEAK_OPTIONS.seed, 0),
      intervalMs: integer('interval-ms', values['interval-ms'], DEFAULT_LEAK_OPTIONS.intervalMs, 1),
      maxSteps: integer('max-steps', values['max-steps'], 600, 1),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const line = (text: string): void => console.log(`${new Date().toISOString()} ${text}`);

/** Runs `shaobing simulate`; resolves to the process exit code. */
export async function simulate(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  if ('error' in args) {
    console.error(`shaobing simulate: ${args.error}\n\n${USAGE}`);
    return 2;
  }

  let topics;
  try {
    topics = makeTopics(args.prefix);
  } catch (err) {
    console.error(`shaobing simulate: ${(err as Error).message}`);
    return 2;
  }
  // Warnings (lost connection, dropped readings) go to stderr so stdout stays one line per event.
  const log = pino({ level: 'warn' }, pino.destination(2));
  const onSignal = (): void => void run?.stop().then(() => process.exit(130));
  let run: KitchenLeakRun | undefined;
  process.once('SIGINT', onSignal);
  try {
    run = await startKitchenLeak({
      url: args.url,
      topics,
      site: args.site,
      detector: { id: args.device, password: args.password },
      valve: { id: args.valve, password: args.valvePassword },
      login: args.login,
      ...(args.ca ? { ca: args.ca } : {}),
      scenario: { seed: args.seed, intervalMs: args.intervalMs },
      maxSteps: args.maxSteps,
      log,
      on: {
        reading: (r) => line(`${args.site}/${args.device} seq=${r.seq} ch4=${r.readings.ch4} co=${r.readings.co} phase=${r.phase} valve=${r.valve}`),
        command: (device, c) => line(`${args.site}/${device} command ${c.action} id=${c.id} reason=${JSON.stringify(c.reason)}`),
        state: (device, state, cause) => line(`${args.site}/${device} state ${state} cause=${cause}`),
        ack: (device, a) => line(`${args.site}/${device} ack id=${a.id} ok=${a.ok} state=${a.state}`),
      },
    });
    line(`scenario restaurant-leak seed=${args.seed} interval=${args.intervalMs}ms started`);
    const how = await run.finished;
    if (how === 'settled') {
      line(`scenario done: gas back to normal after ${run.room.steps} readings`);
      return 0;
    }
    console.error(`shaobing simulate: gas not back to normal after ${run.room.steps} readings (did the valve close?)`);
    return 1;
  } catch (err) {
    console.error(`shaobing simulate: ${(err as Error).message}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await run?.stop();
  }
}
