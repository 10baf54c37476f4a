// Drives one system under test (our gateway or the Node-RED peer) with the pipeline load: the
// valves child (and SSE watcher), the detector load children, the leak plan, and a poll of the
// system's store until every published reading is in it. Both systems are measured by this one
// function, so their figures mean the same thing.

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DeviceId, SiteId } from '../gateway/src/contract/ids.js';
import type { Topics } from '../gateway/src/contract/topics.js';
import { BENCH_PASSWORD, fleetDevice, siteCount, siteId, VALVE, type FleetShape } from './pipeline-config.js';
import { loadChild, type LoadClient, type LoadDevice, type LoadInput, type LoadLeak, type LoadOutput } from './pipeline-load.js';
import { spawnChild, type Child } from './pipeline-spawn.js';
import { valvesChild, type ValvesInput, type ValvesOutput } from './pipeline-valves.js';
import { perReadingByGroup, threadCpuMs, type ThreadGroup } from './thread-cpu.js';

export interface DriveOptions {
  readonly shape: FleetShape;
  readonly ratePerS: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly leaks: number;
  readonly warmupLeaks: number;
  readonly loadProcesses: number;
  /** The detectors' MQTT client (pipeline-load.ts); default 'raw'. */
  readonly client?: LoadClient;
}

export interface LeakPlanEntry {
  readonly site: string;
  readonly atMs: number;
  readonly measured: boolean;
}

export interface Drive {
  readonly plan: readonly LeakPlanEntry[];
  readonly outs: readonly LoadOutput[];
  readonly seen: ValvesOutput;
  /** hrtime (ms) of each plan entry's red publish. */
  readonly publishedAtMs: readonly number[];
  readonly sent: number;
  readonly acked: number;
  readonly connectMs: number;
  /** From `go` until the store held every published reading (null: it never did). */
  readonly completeMs: number | null;
  readonly rssMaxBytes: number;
  readonly heapMaxBytes: number;
  readonly loopDelay: ReturnType<typeof monitorEventLoopDelay>;
  /** CPU the system under test used from `go` until its store held every reading. */
  readonly cpuMs: number;
  /** The same per reading by thread group, when the system under test is this process (Linux). */
  readonly cpuUsByThread: Record<ThreadGroup, number> | null;
  /** Readings in the store when the wait ended, and when that was (ms after `go`). */
  readonly storedAtStop: number;
  readonly stopMs: number;
  /** The load processes' own CPU (µs, summed) per published reading: what the fleet cost this
   * machine, which real detectors would not. */
  readonly loadCpuUsPerReading: number;
}

/** How long after the schedule the harness waits for a store that is behind. */
export const MAX_CATCH_UP_MS = 60_000;

/** Progress on stderr (the JSON goes to stdout); SHAOBING_BENCH_QUIET=1 silences it. */
export function progress(line: string): void {
  if (process.env.SHAOBING_BENCH_QUIET !== '1') process.stderr.write(`[pipeline ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Warm-up leaks inside the warm-up, measured ones spread over the rest of the run; one site each. */
export function leakPlan(o: DriveOptions): LeakPlanEntry[] {
  const plan: LeakPlanEntry[] = [];
  for (let k = 0; k < o.warmupLeaks; k++) plan.push({ site: siteId(k), atMs: o.warmupMs * (0.3 + (0.6 * k) / Math.max(1, o.warmupLeaks)), measured: false });
  const from = o.warmupMs + 300;
  const to = Math.max(from, o.durationMs - 1000);
  for (let k = 0; k < o.leaks; k++) plan.push({ site: siteId(o.warmupLeaks + k), atMs: from + ((to - from) * k) / Math.max(1, o.leaks), measured: true });
  return plan;
}

export interface DriveTarget {
  readonly url: string;
  readonly topics: Topics;
  readonly sseUrl: string | null;
  /** Readings in the system's store so far (cheap: polled every 100 ms). */
  storedSoFar(): Promise<number>;
  /** Memory of the system under test, when it is another process (else this one's is taken). */
  memory?(): { rss: number; heap: number };
  /** CPU time (user + system, ms) the system under test has used so far (else this process's). */
  cpuMs?(): number;
}

/** This process's CPU time: counted only while it runs, so it holds up on a shared machine. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A Linux process's CPU time from /proc (utime + stime, in clock ticks of 10 ms). */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN; // not Linux, or the process is gone
  }
}

/** A Linux process's resident memory from /proc (0 when it is gone or not Linux). */
export function procRssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process is gone: no figure
  }
}

export async function drive(o: DriveOptions, target: DriveTarget): Promise<Drive> {
  const { shape, loadProcesses } = o;
  const plan = leakPlan(o);
  if (plan.length > siteCount(shape)) throw new RangeError(`${plan.length} leaks need as many sites; the fleet has ${siteCount(shape)}`);
  const { topics } = target;
  const children: Child<unknown>[] = [];
  try {
    const valves = spawnChild<ValvesOutput>('valves', valvesChild as (...a: never[]) => void, {
      url: target.url,
      password: BENCH_PASSWORD,
      valves: plan.map((p) => {
        const ref = { site: p.site as SiteId, device: VALVE as DeviceId };
        return { site: p.site, username: `${p.site}/${VALVE}`, clientId: `bench-valve-${p.site}-${process.pid}`, cmdTopic: topics.cmd(ref), ackTopic: topics.cmdAck(ref) };
      }),
      sseUrl: target.sseUrl,
    } satisfies ValvesInput);
    children.push(valves);
    await valves.next('connected');
    progress(`valves connected (${plan.length})`);

    // Detectors dealt round-robin to the load processes; each leak goes to the process holding
    // device d-0 of its site.
    const perProc: LoadDevice[][] = Array.from({ length: loadProcesses }, () => []);
    const procOf = new Int32Array(shape.devices);
    const indexIn = new Int32Array(shape.devices);
    for (let i = 0; i < shape.devices; i++) {
      const d = fleetDevice(shape, i);
      const p = i % loadProcesses;
      procOf[i] = p;
      indexIn[i] = perProc[p]!.length;
      perProc[p]!.push({ username: `${d.site}/${d.device}`, clientId: `bench-${d.site}-${d.device}-${process.pid}`, topic: topics.telemetry({ site: d.site as SiteId, device: d.device as DeviceId }) });
    }
    const leaksPerProc: (LoadLeak & { plan: number })[][] = Array.from({ length: loadProcesses }, () => []);
    plan.forEach((p, k) => {
      const i = Number(p.site.slice(2)) * shape.devicesPerSite;
      leaksPerProc[procOf[i]!]!.push({ index: indexIn[i]!, atMs: p.atMs, holdMs: 1000, plan: k });
    });
    const loads = perProc.map((list, p) =>
      spawnChild<LoadOutput>(`load-${p}`, loadChild as (...a: never[]) => void, {
        url: target.url,
        password: BENCH_PASSWORD,
        devices: list,
        ratePerS: o.ratePerS / loadProcesses,
        durationMs: o.durationMs,
        warmupMs: o.warmupMs,
        maxInFlight: Math.max(1000, Math.ceil(o.ratePerS / loadProcesses)),
        leaks: leaksPerProc[p]!.map(({ index, atMs, holdMs }) => ({ index, atMs, holdMs })),
        leakLel: 60,
        client: o.client ?? 'raw',
      } satisfies LoadInput),
    );
    children.push(...loads);
    const connected = await Promise.all(loads.map((l) => l.next<{ connectMs: number }>('connected')));
    progress(`${shape.devices} devices (${o.client ?? 'raw'} client) connected in ${Math.round(Math.max(...connected.map((c) => c.connectMs)))} ms; publishing ${o.ratePerS}/s for ${o.durationMs / 1000} s`);

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    let rssMax = 0;
    let heapMax = 0;
    const sampler = setInterval(() => {
      const m = target.memory ? target.memory() : (({ rss, heapUsed }) => ({ rss, heap: heapUsed }))(process.memoryUsage());
      rssMax = Math.max(rssMax, m.rss);
      heapMax = Math.max(heapMax, m.heap);
    }, 250);
    loopDelay.enable();
    const cpu = target.cpuMs ?? ownCpuMs;
    const cpuAtGo = cpu();
    const threadsAtGo = target.cpuMs ? null : threadCpuMs();
    const goAt = nowMs();
    for (const l of loads) l.send({ type: 'go' });
    const outs = await Promise.all(loads.map((l) => l.done));
    const sent = outs.reduce((n, x) => n + x.sent, 0);
    const acked = outs.reduce((n, x) => n + x.acked, 0);
    const perReading = (us: number): number => Math.round((us / Math.max(1, sent)) * 10) / 10;
    const loadCpuUsPerReading = perReading(outs.reduce((us, x) => us + x.cpuUs, 0));
    const loadKernel = perReading(outs.reduce((us, x) => us + x.cpuSystemUs, 0));
    progress(`schedule done: ${acked} of ${sent} acknowledged; the load cost ${loadCpuUsPerReading} µs CPU per reading (${loadKernel} in the kernel); waiting for the store`);

    // Every published reading in the store: when, or give up after 15 s without progress or
    // MAX_CATCH_UP_MS after the schedule (a peer far behind would take minutes).
    let completeMs: number | null = null;
    let last = -1;
    const scheduleEnd = nowMs();
    let lastProgress = scheduleEnd;
    let storedAtStop = 0;
    for (;;) {
      const n = await target.storedSoFar();
      const t = nowMs();
      storedAtStop = n;
      if (n >= sent) {
        completeMs = t - goAt;
        break;
      }
      if (n !== last) {
        last = n;
        lastProgress = t;
      } else if (t - lastProgress > 15_000) break;
      if (t - scheduleEnd > MAX_CATCH_UP_MS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stopMs = nowMs() - goAt;
    const cpuMs = cpu() - cpuAtGo;
    const cpuUsByThread = threadsAtGo ? perReadingByGroup(threadsAtGo, threadCpuMs(), sent) : null;
    loopDelay.disable();
    clearInterval(sampler);

    // Late valve commands of the last leak get a moment, then the observers report.
    await new Promise((r) => setTimeout(r, 300));
    valves.send({ type: 'report' });
    const seen = await valves.done;
    const publishedAtMs: number[] = new Array(plan.length).fill(Number.NaN);
    outs.forEach((out, p) => leaksPerProc[p]!.forEach((l, j) => (publishedAtMs[l.plan] = out.leakPublishedAtMs[j]!)));
    return {
      plan,
      outs,
      seen,
      publishedAtMs,
      sent,
      acked,
      connectMs: Math.max(...connected.map((c) => c.connectMs)),
      completeMs,
      rssMaxBytes: rssMax,
      heapMaxBytes: heapMax,
      loopDelay,
      cpuMs,
      cpuUsByThread,
      storedAtStop,
      stopMs,
      loadCpuUsPerReading,
    };
  } finally {
    for (const c of children) c.kill();
  }
}

/** Latency of each leak (measured or warm-up) to the time `at(site)` says its event arrived. */
export function leakLatencies(d: Drive, at: (site: string) => number | undefined, measured: boolean): number[] {
  return d.plan.flatMap((p, k) => (p.measured === measured ? [(at(p.site) ?? Number.NaN) - d.publishedAtMs[k]!] : []));
}
