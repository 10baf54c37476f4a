// Hostile uploads against the photo store on a real data directory: oversize body, a script
// named .jpg, a path in the name; only camera image formats by content are kept, under generated names.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PhotoStore } from '../../../gateway/src/photos/photo-store.js';
import { checkPhoto, PHOTO_MAX_BYTES } from '../../../gateway/src/photos/photo-check.js';
import { tempDir } from '../../support/tmp.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);

let dir: ReturnType<typeof tempDir>;
let store: PhotoStore;
beforeEach(() => {
  dir = tempDir();
  store = new PhotoStore(dir.path);
});
afterEach(() => dir.remove());

describe('photo store', () => {
  it.each([
    ['jpeg', JPEG],
    ['png', PNG],
    ['webp', WEBP],
  ])('keeps a %s under a generated name and serves it back with its type', (type, bytes) => {
    const put = store.put(bytes);
    if (!put.ok) throw new Error(put.message);
    expect(put.id).toMatch(new RegExp(`^[0-9a-f]{32}\\.${type}$`));
    expect(store.get(put.id)).toEqual({ bytes, mime: `image/${type}` });
  });

  it('refuses a 50 MB body without writing anything', () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0);
    big.set(JPEG);
    const put = store.put(big);
    expect(put).toMatchObject({ ok: false, reason: 'TOO_LARGE' });
    expect(readdirSync(join(dir.path, 'photos'))).toEqual([]);
  });

  it('refuses a script named .jpg by its content', () => {
    expect(store.put(Buffer.from('<script>alert(1)</script>'))).toMatchObject({ ok: false, reason: 'NOT_AN_IMAGE' });
    expect(store.put(Buffer.from('#!/bin/sh\nrm -rf /\n'))).toMatchObject({ ok: false, reason: 'NOT_AN_IMAGE' });
    expect(checkPhoto(new Uint8Array())).toMatchObject({ ok: false, reason: 'EMPTY' });
  });

  it('a path as the id reads nothing outside the folder', () => {
    expect(store.get('../state.db')).toBeNull();
    expect(store.get('../../etc/passwd')).toBeNull();
    expect(store.get('/etc/passwd')).toBeNull();
    expect(store.get(`${'a'.repeat(32)}.jpeg`)).toBeNull();
  });

  it('the limit is 10 MiB exactly', () => {
    const edge = Buffer.alloc(PHOTO_MAX_BYTES, 0);
    edge.set(JPEG);
    expect(checkPhoto(edge).ok).toBe(true);
    expect(checkPhoto(Buffer.concat([edge, Buffer.from([0])])).ok).toBe(false);
  });
});
