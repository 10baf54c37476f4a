// Password checks (scrypt, ~50 ms of a core each) wait here for one of a few slots, served in
// turn per source address. Node runs crypto.scrypt on the libuv threadpool (4 threads by
// default), the same threads that do file reads and DNS lookups: 10 000 logins after a restart
// queued there would hold a webhook's DNS lookup for minutes. Taking turns per address keeps one
// guessing address to its share: a device elsewhere waits behind one of its checks, not all.

export class ScryptQueue {
  private running = 0;
  /** Address → its waiting checks; Map order is the round-robin order. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private queued = 0;

  constructor(private readonly slots: number) {
    if (!(Number.isInteger(slots) && slots >= 1)) throw new RangeError(`ScryptQueue: slots must be a positive integer, got ${slots}`);
  }

  /** Runs `check` when a slot is free and this address's turn comes. */
  run<T>(address: string | undefined, check: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.running++;
        check()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
      };
      const key = address ?? '';
      const list = this.waiting.get(key);
      if (list) list.push(start);
      else this.waiting.set(key, [start]);
      this.queued++;
      this.next();
    });
  }

  /** Checks waiting for a slot. */
  get depth(): number {
    return this.queued;
  }

  private next(): void {
    while (this.running < this.slots && this.queued > 0) {
      const [key, list] = this.waiting.entries().next().value as [string, (() => void)[]];
      const start = list.shift()!;
      // The address goes to the back of the round: the next check is another address's.
      this.waiting.delete(key);
      if (list.length > 0) this.waiting.set(key, list);
      this.queued--;
      start();
    }
  }
}
