// A small real filesystem for the data directory: a tmpfs mounted on a temp dir (needs root or
// CAP_SYS_ADMIN), filled to the last byte by a filler file and freed again by deleting it.

import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, unlinkSync, writeSync, fsyncSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/tmp.js';

export interface SmallDisk {
  readonly path: string;
  /** Free bytes as the filesystem reports them. */
  free(): number;
  /** Writes a filler file until the filesystem refuses (ENOSPC); returns the bytes written. */
  fill(): number;
  /** Deletes the filler: space returns. */
  release(): void;
  close(): void;
}

/** Mounts a tmpfs of `sizeMb`; throws with the reason when mounting is not permitted here. */
export function mountSmallDisk(sizeMb: number): SmallDisk {
  const dir = tempDir('shaobing-fault-disk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'shaobing-fault', dir.path], { stdio: 'pipe' });
  } catch (err) {
    dir.remove();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot mount a ${sizeMb} MiB tmpfs: ${stderr || (err as Error).message}`, { cause: err });
  }
  const data = join(dir.path, 'data');
  const filler = join(dir.path, 'filler');
  return {
    path: data,
    free() {
      const s = statfsSync(dir.path);
      return s.bavail * s.bsize;
    },
    fill() {
      const fd = openSync(filler, 'a');
      let written = 0;
      try {
        for (const size of [1 << 20, 64 << 10, 4096, 512, 1]) {
          const chunk = Buffer.alloc(size, 0x55);
          for (;;) {
            try {
              written += writeSync(fd, chunk);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw err;
            }
          }
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return written;
    },
    release() {
      try {
        unlinkSync(filler);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
    close() {
      execFileSync('umount', ['-l', dir.path], { stdio: 'pipe' });
      rmSync(dir.path, { recursive: true, force: true });
    },
  };
}
