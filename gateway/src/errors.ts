// The catalog of Shaobing's errors: a few named classes, each with a code that ends up in logs,
// dead letters and API responses. A bad payload is a value, not one of these.

export class ShaobingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** The configuration cannot be used; `problems` says where and how to fix it. */
export class ConfigError extends ShaobingError {
  constructor(
    readonly problems: readonly ConfigProblem[],
    message?: string,
  ) {
    super('CONFIG_INVALID', message ?? problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
}

/** Storage could not take a write (disk full, locked, corrupt). Retryable once the cause is fixed. */
export class StorageError extends ShaobingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_FAILED', message, options);
  }
}

/** Someone asked for something they may not do (MQTT ACL, API role). */
export class Forbidden extends ShaobingError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** A query the caller can correct (a cursor it did not get from us); the API answers 400 with the message. */
export class BadQuery extends ShaobingError {
  constructor(message: string) {
    super('BAD_QUERY', message);
  }
}

/** A registry write refused: every problem found, nothing written. The API answers 400 (409 for a
 * record still in use) with the problems. */
export class RegistryError extends ShaobingError {
  constructor(
    readonly problems: ReadonlyArray<{ readonly row?: number; readonly field: string; readonly message: string }>,
    readonly conflict = false,
  ) {
    const told = problems.slice(0, 5).map((p) => `${p.row !== undefined ? `row ${p.row}: ` : ''}${p.field}: ${p.message}`);
    super('REGISTRY_REFUSED', `registry refused the change: ${told.join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
  }
}
