// The argument preamble the API-calling commands share: a strict parseArgs whose refusal is
// printed with the command's usage, so a typo never reaches the gateway as a half-understood call.

import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { CliOutput } from './token-cli.js';

/** The parsed arguments, or the exit code 2 after printing `name: reason` and the usage. */
export function parseCommandArgs<O extends ParseArgsOptionsConfig>(name: string, usage: string, args: string[], options: O, io: CliOutput) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (err) {
    io.err(`${name}: ${(err as Error).message}\n\n${usage}`);
    return 2 as const;
  }
}
