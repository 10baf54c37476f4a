// The live stream (SSE). EventSource reconnects by itself after a dropped connection and sends
// Last-Event-ID, so the server replays what was missed. It gives up on an HTTP refusal (401, a
// restart without the buffer): then the caller decides, after checking the token, to open again.

const KINDS = ['alarm', 'order', 'reading', 'device'];

export function openStream({ token, sites, onEvent, onOpen, onStatus, onClosed }) {
  const params = new URLSearchParams();
  if (sites.length > 0) params.set('sites', sites.join(','));
  params.set('access_token', token);
  const source = new EventSource(`/api/v1/stream?${params}`);
  source.addEventListener('open', () => {
    onStatus('live');
    onOpen();
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      onStatus('offline');
      onClosed();
    } else {
      onStatus('connecting');
    }
  });
  for (const kind of KINDS) {
    source.addEventListener(kind, (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return; // a garbled event must not stop the others
      }
      onEvent(kind, data);
    });
  }
  return { close: () => source.close() };
}
