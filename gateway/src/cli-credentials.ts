// The credential commands of `shaobing`: `hash-password` (a device password's scrypt hash for the
// config) and `login-key` (a signed-login device's key from its secret). Both read a secret from
// stdin, so it never sits in shell history or the process list; neither loads the gateway.

import { hashPassword } from './contract/password-hash.js';
import { deriveLoginKey } from './contract/login-key.js';

export async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const HASH_USAGE = `Usage: shaobing hash-password [PASSWORD]
  Prints the scrypt hash of a device password for passwordHash in the config.
  Without PASSWORD it reads ONE line from stdin (safer: not in shell history), e.g.
    printf '%s\\n' "$DEVICE_PASSWORD" | shaobing hash-password`;

export async function hash(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(HASH_USAGE);
    return 0;
  }
  if (argv.length > 1 || argv[0]?.startsWith('-')) {
    // An option or a second word is not a password: hashing "--hlep" would lock the device out.
    console.error(`shaobing hash-password: expected at most one PASSWORD and no options (got ${argv.map((a) => JSON.stringify(a)).join(' ')}); a password starting with "-" goes on stdin\n\n${HASH_USAGE}`);
    return 2;
  }
  const password = argv[0] ?? (await readStdinLine());
  if (/[\r\n]/.test(password)) {
    console.error('shaobing hash-password: stdin holds more than one line; give exactly one password on one line');
    return 2;
  }
  if (!password) {
    console.error('shaobing hash-password: empty password');
    return 2;
  }
  console.log(await hashPassword(password));
  return 0;
}

/** The secret comes from stdin only, so it never sits in shell history or the process list. */
export async function loginKey(argv: string[]): Promise<number> {
  const username = argv[0];
  if (username === undefined || !/^[^/]+\/[^/]+$/.test(username)) {
    console.error('shaobing login-key: give the device as SITE/DEVICE (its MQTT username), e.g. shaobing login-key kitchen-01/gas-01 < secret.txt');
    return 2;
  }
  const secret = await readStdinLine();
  if (!secret) {
    console.error('shaobing login-key: empty secret on stdin');
    return 2;
  }
  console.log(deriveLoginKey(secret, username).toString('hex'));
  return 0;
}
