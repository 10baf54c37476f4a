// What a field worker's photo upload must be before it is stored: one of the image formats a phone
// camera produces (JPEG, PNG, WebP), recognised by its first bytes (the client's name and
// Content-Type are not trusted), and no larger than the limit. Pure.

/**
 * 10 MiB: a 12-megapixel phone photo as JPEG is 2–5 MB and a HEIC converted by the browser to JPEG
 * stays below 8 MB; anything larger is not a camera photo, and a body this size still uploads in
 * under a minute on a weak 4G link (1.5 Mbit/s) in a basement kitchen.
 */
export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

export type PhotoType = 'jpeg' | 'png' | 'webp';

export const PHOTO_MIME: Record<PhotoType, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export type PhotoCheck = { ok: true; type: PhotoType } | { ok: false; reason: 'EMPTY' | 'TOO_LARGE' | 'NOT_AN_IMAGE'; message: string };

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

/** The image type by magic bytes, or null. */
export function sniffPhoto(bytes: Uint8Array): PhotoType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, PNG)) return 'png';
  // RIFF....WEBP
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return null;
}

export function checkPhoto(bytes: Uint8Array, maxBytes = PHOTO_MAX_BYTES): PhotoCheck {
  if (bytes.length === 0) return { ok: false, reason: 'EMPTY', message: 'the photo is empty' };
  if (bytes.length > maxBytes) return { ok: false, reason: 'TOO_LARGE', message: `the photo is ${bytes.length} bytes; the limit is ${maxBytes} bytes` };
  const type = sniffPhoto(bytes);
  if (type === null) return { ok: false, reason: 'NOT_AN_IMAGE', message: 'not a JPEG, PNG or WebP image (checked by its content, not its name)' };
  return { ok: true, type };
}
