// The test-side SSE parser splits a stream however the socket cuts it, as a browser's EventSource would.

import { describe, expect, it } from 'vitest';
import { sseReader, type SseBlock } from '../../support/sse.js';

function read(chunks: string[]): SseBlock[] {
  const blocks: SseBlock[] = [];
  const feed = sseReader((b) => blocks.push(b));
  for (const c of chunks) feed(c);
  return blocks;
}

describe('sseReader', () => {
  it('gives the same blocks whether the stream comes whole or one character at a time', () => {
    const stream = ': hello\n\nid: 7\nevent: alarm\ndata: {"a":1}\n\ndata: one\ndata:two\n\n';
    const whole = read([stream]);
    expect(read([...stream])).toEqual(whole);
    expect(whole).toEqual([
      { id: null, event: 'message', data: null, comments: [': hello'], isEvent: false },
      { id: 7, event: 'alarm', data: '{"a":1}', comments: [], isEvent: true },
      { id: null, event: 'message', data: 'one\ntwo', comments: [], isEvent: true },
    ]);
  });

  it('holds an unfinished block until its blank line arrives', () => {
    expect(read(['event: reading\ndata: {}\n'])).toEqual([]);
  });
});
