// Server-sent events as a client reads them off the socket (HTML Living Standard, "Server-sent
// events", event stream interpretation): chunks in, one callback per blank-line-ended block, with
// its id, event name, data and comment lines. The tests of the live stream and the API benchmark
// read the stream through this one parser.

export interface SseBlock {
  /** The `id:` field as a number, or null when the block has none. */
  readonly id: number | null;
  /** The `event:` field; 'message' when the block names none, as in EventSource. */
  readonly event: string;
  /** The `data:` lines joined with '\n'; null when the block has none (a comment-only keep-alive). */
  readonly data: string | null;
  /** Lines starting with ':', as sent (the server's keep-alives and notes). */
  readonly comments: readonly string[];
  /** Whether the block had any field at all, i.e. is an event rather than comments only. */
  readonly isEvent: boolean;
}

/** A value after its field name and colon, without the one optional space the format allows. */
function value(line: string, colon: number): string {
  return line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
}

/** Returns the function to feed each decoded text chunk; `onBlock` runs once per complete block. */
export function sseReader(onBlock: (block: SseBlock) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      let id: number | null = null;
      let event = 'message';
      const data: string[] = [];
      const comments: string[] = [];
      let isEvent = false;
      for (const line of lines) {
        if (line.startsWith(':')) {
          comments.push(line);
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : value(line, colon);
        if (field === 'id') id = Number(text);
        else if (field === 'event') event = text;
        else if (field === 'data') data.push(text);
        else continue;
        isEvent = true;
      }
      onBlock({ id, event, data: data.length ? data.join('\n') : null, comments, isEvent });
    }
  };
}
