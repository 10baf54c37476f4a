import { afterEach, describe, expect, it, vi } from 'vitest';
import { simulate } from '../../../simulators/src/cli.js';

describe('shaobing simulate --login', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists the option in its help and refuses a mode it does not know, before any connection', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((t: string) => void out.push(t));
    vi.spyOn(console, 'error').mockImplementation((t: string) => void out.push(t));
    expect(await simulate(['--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/--login MODE\s+static \(default\)/);
    expect(await simulate(['--login', 'token'])).toBe(2);
    expect(out.at(-1)).toMatch(/--login must be static or signed, got "token"/);
  });
});
