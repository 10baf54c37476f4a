// A typed list of listeners per event, the one way a part hears of another's moves: `on` returns
// the unsubscribe, and each listener is wrapped so one that throws cannot break the others nor
// the part that emits (a journal commit must still call back its acknowledgements).

import type { Logger } from './log.js';

type Listener<M, K extends keyof M> = (payload: M[K]) => void;

export class Listeners<M> {
  private readonly lists: { [K in keyof M]?: Listener<M, K>[] } = {};

  /** `what` names the emitter in the log line of a listener that throws. */
  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  on<K extends keyof M>(kind: K, listener: Listener<M, K>): () => void {
    const list = (this.lists[kind] ??= []) as Listener<M, K>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** True when someone listens: lets the hot path skip building a payload nobody reads. */
  has(kind: keyof M): boolean {
    return (this.lists[kind]?.length ?? 0) > 0;
  }

  emit<K extends keyof M>(kind: K, payload: M[K]): void {
    const list = this.lists[kind] as Listener<M, K>[] | undefined;
    if (!list) return;
    // A copy: a listener that unsubscribes while called must not make the next one skipped.
    for (const listener of list.length === 1 ? list : [...list]) {
      try {
        listener(payload);
      } catch (err) {
        this.log.error({ err, event: String(kind) }, `${this.what} listener failed`);
      }
    }
  }
}
