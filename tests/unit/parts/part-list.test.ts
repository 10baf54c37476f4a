// The one lifecycle of the gateway's parts: started in the listed order, stopped in reverse by
// the same code whether the start succeeded or failed halfway, one failing stop not stopping the rest.

import { describe, expect, it } from 'vitest';
import { PartList, type Part } from '../../../gateway/src/parts/part.js';
import { silentLogger } from '../../../gateway/src/log.js';

function recorder(): { log: string[]; part(name: string, extra?: Partial<Part>): Part } {
  const log: string[] = [];
  return {
    log,
    part: (name, extra = {}) => ({
      name,
      start: () => void log.push(`start ${name}`),
      stop: () => void log.push(`stop ${name}`),
      ...extra,
    }),
  };
}

describe('PartList', () => {
  it('starts parts in the listed order and stops them in reverse, once', async () => {
    const r = recorder();
    const parts = new PartList(silentLogger());
    for (const name of ['files', 'journal', 'broker']) await parts.add(r.part(name));
    await parts.stop();
    await parts.stop();
    expect(r.log).toEqual(['start files', 'start journal', 'start broker', 'stop broker', 'stop journal', 'stop files']);
  });

  it('stops a part whose start failed halfway, and every part before it', async () => {
    const r = recorder();
    const parts = new PartList(silentLogger());
    await parts.add(r.part('files'));
    const failing = r.part('broker', {
      start: () => {
        r.log.push('start broker (port bound, then refused)');
        throw new Error('EADDRINUSE');
      },
    });
    await expect(parts.add(failing)).rejects.toThrow('EADDRINUSE');
    await parts.stop();
    expect(r.log).toEqual(['start files', 'start broker (port bound, then refused)', 'stop broker', 'stop files']);
  });

  it('goes on stopping the others when one stop throws', async () => {
    const r = recorder();
    const parts = new PartList(silentLogger());
    await parts.add(r.part('files'));
    await parts.add(r.part('notifier', { stop: () => Promise.reject(new Error('channel hung')) }));
    await parts.add(r.part('api'));
    await parts.stop();
    expect(r.log).toEqual(['start files', 'start notifier', 'start api', 'stop api', 'stop files']);
  });

  it('reports each part health by name', async () => {
    let up = true;
    const parts = new PartList(silentLogger());
    await parts.add({ name: 'files' });
    await parts.add({ name: 'ingress', healthy: () => up });
    expect(parts.health()).toEqual({ files: true, ingress: true });
    up = false;
    expect(parts.health()).toEqual({ files: true, ingress: false });
  });
});
