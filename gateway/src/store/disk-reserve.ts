// Space kept back on the data directory's disk for the alarm path. The
// journal is the big writer; when it fills the disk, alarms, their events and the notification
// outbox (state.db, same disk) would fail next. A reserve file (a "ballast") is written at start
// and deleted when the journal first meets a full disk, so state.db can still save alarms while
// the journal holds its readings unacknowledged; it is written again once space has returned.

import { closeSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';

/** Enough for thousands of alarm moves and notification rows (each well under 2 KiB). */
export const DISK_RESERVE_BYTES = 8 * 1024 * 1024;

export class DiskReserve {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    readonly bytes: number,
    private readonly log: Logger,
  ) {
    this.file = join(dir, 'disk-reserve.bin');
  }

  /** Free bytes on the data directory's filesystem (what an unprivileged writer may use). */
  freeBytes(): number {
    const s = statfsSync(this.dir);
    return s.bavail * s.bsize;
  }

  /** Writes the reserve file when it is missing; on a disk without room, goes without (said once). */
  ensure(): void {
    let fd: number | null = null;
    try {
      fd = openSync(this.file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
      this.log.warn({ err, file: this.file }, 'cannot create the disk reserve');
      return;
    }
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (let left = this.bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
    } catch (err) {
      closeSync(fd);
      fd = null;
      this.release();
      this.log.warn({ err, bytes: this.bytes }, 'no room for the disk reserve: alarms may not be saved if the disk fills');
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  /** Deletes the reserve so the alarm path has room; false when there was none. */
  release(): boolean {
    try {
      unlinkSync(this.file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error({ err, file: this.file }, 'cannot delete the disk reserve');
      return false;
    }
  }
}
