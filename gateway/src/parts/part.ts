// One lifecycle for every part of the gateway (Zigbee2MQTT's extensions have the same shape): a
// part is built from its typed dependencies, started in the order the runtime lists, and stopped
// in reverse by the same code that undoes a start that failed halfway.

import type { Logger } from '../log.js';

export interface Part {
  /** Names the part in logs and in health. */
  readonly name: string;
  start?(): Promise<void> | void;
  /** Releases what the part holds, in an orderly way (a last commit, a last drain). */
  stop?(): Promise<void> | void;
  /** False while the part cannot do its work (a broker connection down, a file closed). */
  healthy?(): boolean;
}

export type PartHealth = Readonly<Record<string, boolean>>;

/** The parts started so far, newest last. */
export class PartList {
  private readonly started: Part[] = [];
  private ended = false;

  constructor(private readonly log: Logger) {}

  /**
   * Starts `part` after every part before it and returns it. It is listed before its start, so
   * a start that fails halfway (a port bound, then a refusal) is still stopped by stop().
   */
  async add<P extends Part>(part: P): Promise<P> {
    this.started.push(part);
    await part.start?.();
    return part;
  }

  /** Each part's health, by name; a part without a check counts as healthy. */
  health(): PartHealth {
    return Object.fromEntries(this.started.map((p) => [p.name, p.healthy?.() ?? true]));
  }

  /**
   * Stops every started part, newest first, each awaited before the next; one that fails is
   * logged and the rest still stop. Only the first call does anything.
   */
  async stop(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const part of [...this.started].reverse()) {
      try {
        await part.stop?.();
      } catch (err) {
        this.log.warn({ err, part: part.name }, 'part failed to stop');
      }
    }
  }
}
