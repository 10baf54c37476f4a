// A live stream is one long request: its bearer was checked when it opened, and it would go on
// streaming a site's alarms to whoever held it after a logout, a session's expiry, a user's
// disable or password change, a token's revocation, or a change of role or scope. So every open
// stream's bearer is checked again on a timer (the stream's ping interval), and a stream whose
// caller is no longer who it was is ended: its EventSource reconnects and is refused (401), or
// reopens with its new scope.

import type { ServerResponse } from 'node:http';

/** Who a bearer stands for now, as text to compare (role and scope), or null when it is no longer good. */
export type BearerNow = (token: string) => string | null;

export class StreamAuthWatch {
  private readonly open = new Map<ServerResponse, { readonly token: string; readonly was: string }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly now: BearerNow,
    everyMs: number,
  ) {
    this.timer = setInterval(() => this.check(), everyMs);
    this.timer.unref();
  }

  /** Follows a stream opened with `token`, which stood for `was` when it opened. */
  watch(res: ServerResponse, token: string, was: string): void {
    this.open.set(res, { token, was });
    res.once('close', () => this.open.delete(res));
  }

  /** Ends the streams whose bearer no longer stands for what it did; the count ended. */
  check(): number {
    let ended = 0;
    for (const [res, { token, was }] of this.open) {
      if (this.now(token) === was) continue;
      this.open.delete(res);
      res.end();
      ended++;
    }
    return ended;
  }

  close(): void {
    clearInterval(this.timer);
    this.open.clear();
  }
}
