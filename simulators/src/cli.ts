// `shaobing simulate`: runs a seeded scenario against a broker with a simulated detector and
// valve, printing one line per reading and per valve event. The main CLI dispatches here.

import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_PREFIX, makeTopics } from '../../gateway/src/contract/topics.js';
import { createGasDetector } from './devices/gas-detector.js';
import { createValve } from './devices/valve.js';
import { createLeakRoom, DEFAULT_LEAK_OPTIONS, type LeakPhase } from './scenarios/restaurant-leak.js';

const SCENARIOS = ['restaurant-leak'] as const;

const USAGE = `Usage: shaobing simulate [options]

Runs a seeded scenario: a kitchen gas detector reports a leak, and a shut-off valve closes when
the gateway commands it (or when the retained site order is active). Stops when the gas is back
to normal after the valve closed (exit 0) or after --max-steps readings (exit 1).

  --url URL               broker URL (default mqtt://127.0.0.1:1883)
  --prefix PREFIX         topic prefix (default ${DEFAULT_PREFIX})
  --site ID               site id (default kitchen-01)
  --device ID             detector id (default gas-01)
  --valve ID              valve id (default valve-01)
  --password PW           detector password (required)
  --valve-password PW     valve password (default: the detector password)
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

/** Parsed arguments, 'help', or a message saying what is wrong with them. */
function parse(argv: string[]): SimulateArgs | 'help' | { error: string } {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        prefix: { type: 'string', default: DEFAULT_PREFIX },
        site: { type: 'string', default: 'kitchen-01' },
        device: { type: 'string', default: 'gas-01' },
        valve: { type: 'string', default: 'valve-01' },
        password: { type: 'string' },
        'valve-password': { type: 'string' },
        scenario: { type: 'string', default: 'restaurant-leak' },
        seed: { type: 'string' },
        'interval-ms': { type: 'string' },
        'max-steps': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) return 'help';
    if (!(SCENARIOS as readonly string[]).includes(values.scenario)) return { error: `unknown scenario ${JSON.stringify(values.scenario)}; known: ${SCENARIOS.join(', ')}` };
    if (values.password === undefined) return { error: '--password is required (the detector account of the broker)' };
    return {
      url: values.url,
      prefix: values.prefix,
      site: values.site,
      device: values.device,
      valve: values.valve,
      password: values.password,
      valvePassword: values['valve-password'] ?? values.password,
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
  const room = createLeakRoom({ seed: args.seed, intervalMs: args.intervalMs });
  const common = { url: args.url, site: args.site, topics, log };

  const valve = createValve({
    ...common,
    device: args.valve,
    password: args.valvePassword,
    onCommand: (c) => line(`${args.site}/${args.valve} command ${c.action} id=${c.id} reason=${JSON.stringify(c.reason)}`),
    onStateChange: (state, cause) => line(`${args.site}/${args.valve} state ${state} cause=${cause}`),
    onAck: (a) => line(`${args.site}/${args.valve} ack id=${a.id} ok=${a.ok} state=${a.state}`),
  });

  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  // The phase of each reading, found again by the readings object the detector hands back.
  const phases = new WeakMap<object, LeakPhase>();

  const detector = createGasDetector({
    ...common,
    device: args.device,
    password: args.password,
    intervalMs: args.intervalMs,
    source: () => {
      const { ch4, co, phase } = room.step(valve.state === 'closed');
      const readings = { ch4, co };
      phases.set(readings, phase);
      return readings;
    },
    onPublish: ({ seq, readings }) => {
      line(`${args.site}/${args.device} seq=${seq} ch4=${readings.ch4} co=${readings.co} phase=${phases.get(readings)} valve=${valve.state}`);
      if (room.done) finish(0);
      else if (room.steps >= args.maxSteps) finish(1);
    },
  });

  const onSignal = (): void => finish(130);
  process.once('SIGINT', onSignal);
  try {
    await valve.start();
    await detector.start();
    line(`scenario restaurant-leak seed=${args.seed} interval=${args.intervalMs}ms started`);
    const code = await finished;
    if (code === 0) line(`scenario done: gas back to normal after ${room.steps} readings`);
    if (code === 1) console.error(`shaobing simulate: gas not back to normal after ${room.steps} readings (did the valve close?)`);
    return code;
  } catch (err) {
    console.error(`shaobing simulate: ${(err as Error).message}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await detector.stop();
    await valve.stop();
  }
}
