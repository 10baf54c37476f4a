// Photos on disk under the data directory, named by a generated id (never the client's file name,
// so no path, no overwrite, no guessable name). The id's shape is checked before any read so a
// request cannot walk out of the folder.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkPhoto, PHOTO_MIME, type PhotoCheck, type PhotoType } from './photo-check.js';

const ID = /^[0-9a-f]{32}\.(jpeg|png|webp)$/;

export class PhotoStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'photos');
    mkdirSync(this.dir, { recursive: true });
  }

  /** Checks and stores; the answer names the stored photo by its generated id. */
  put(bytes: Uint8Array): { ok: true; id: string; type: PhotoType } | Extract<PhotoCheck, { ok: false }> {
    const check = checkPhoto(bytes);
    if (!check.ok) return check;
    const id = `${randomBytes(16).toString('hex')}.${check.type}`;
    // 'wx': a collision of 128 random bits would fail loudly rather than overwrite.
    writeFileSync(join(this.dir, id), bytes, { flag: 'wx' });
    return { ok: true, id, type: check.type };
  }

  /** The photo's bytes and type, or null for an unknown or malformed id. */
  get(id: string): { bytes: Buffer; mime: string } | null {
    const m = ID.exec(id);
    if (m === null) return null;
    const file = join(this.dir, id);
    if (!existsSync(file)) return null;
    return { bytes: readFileSync(file), mime: PHOTO_MIME[m[1] as PhotoType] };
  }

  static isId(id: string): boolean {
    return ID.test(id);
  }
}
