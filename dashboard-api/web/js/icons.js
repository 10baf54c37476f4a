// Small inline SVG marks (stop sign, tick, open circle, warning). Glyphs such as ⛔ ✔ ⚠ need a
// colour-emoji font that duty-room PCs and Linux kiosks often lack: they showed as empty boxes.

const NS = 'http://www.w3.org/2000/svg';

const SHAPES = {
  // An octagon with a bar: "stop" (停产停工).
  stop: [
    ['path', { d: 'M5.3 1h5.4L15 5.3v5.4L10.7 15H5.3L1 10.7V5.3z', fill: 'currentColor' }],
    ['rect', { x: 4, y: 7, width: 8, height: 2, fill: 'var(--icon-cut, #fff)' }],
  ],
  check: [['path', { d: 'M2.5 8.5l3.5 3.5 7.5-8', fill: 'none', stroke: 'currentColor', 'stroke-width': 2.2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
  pending: [['circle', { cx: 8, cy: 8, r: 5.5, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8 }]],
  warn: [
    ['path', { d: 'M8 1.5L15 14.5H1z', fill: 'currentColor' }],
    ['rect', { x: 7.1, y: 5.5, width: 1.8, height: 5, fill: '#fff' }],
    ['rect', { x: 7.1, y: 11.5, width: 1.8, height: 1.8, fill: '#fff' }],
  ],
};

/** An inline icon, hidden from screen readers (the words beside it say the same). */
export function icon(name, cls = '') {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '1em');
  svg.setAttribute('height', '1em');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', `icon icon-${name} ${cls}`.trim());
  for (const [tag, attrs] of SHAPES[name] ?? []) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}
