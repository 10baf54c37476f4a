// One pino logger for the process, a child per module; secrets are redacted wherever they appear.

import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'shaobing' },
      redact: { paths: ['password', '*.password', 'token', '*.token', 'passwordHash', '*.passwordHash', 'secret', '*.secret', 'loginKey', '*.loginKey'], censor: '[redacted]' },
    },
    destination,
  );
}

/** A logger that writes nothing: for tests and benchmarks that assert on behaviour, not logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
