// Text in the HTML of messages and the briefing page stays text, whatever an officer or a config
// author typed.

import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../gateway/src/notify/html.js';

describe('escapeHtml', () => {
  it('turns the five markup characters into entities and leaves the rest, Chinese included', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')"> & 张记饭店`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; 张记饭店');
  });

  it('escapes an ampersand once, so an entity typed as text reads as typed', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});
