// Text placed into the HTML of messages, the e-mail body and the briefing page: an officer's note
// or a site's name must never become markup in a duty officer's mail client or browser.

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The five characters that can end a text or an attribute value, as entities. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
