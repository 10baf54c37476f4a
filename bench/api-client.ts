// The HTTP load of the API benchmark, in its own worker thread (its own event loop, so the
// server's thread keeps a core): `concurrency` loops over one keep-alive agent, each sending the
// next request as soon as the last answer is read, for `durationMs`.

import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface ClientJob {
  readonly port: number;
  readonly token: string;
  readonly path: string;
  readonly concurrency: number;
  readonly durationMs: number;
}

export interface ClientResult {
  readonly requests: number;
  readonly errors: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  /** Latency of each request in ms (sampled: every one up to 200 000). */
  readonly latenciesMs: number[];
}

function once(agent: Agent, job: ClientJob): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: job.port, path: job.path, agent, headers: { authorization: `Bearer ${job.token}` } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(job: ClientJob): Promise<ClientResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const latenciesMs: number[] = [];
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  const t0 = performance.now();
  const end = t0 + job.durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const s = performance.now();
      try {
        const r = await once(agent, job);
        if (r.status !== 200) errors++;
        bytes += r.bytes;
      } catch {
        errors++;
      }
      requests++;
      if (latenciesMs.length < 200_000) latenciesMs.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return { requests, errors, bytes, elapsedMs, latenciesMs };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as ClientJob).then(
    (result) => port.postMessage(result),
    (err: unknown) => port.postMessage({ error: String(err) }),
  );
}
