// One sensor's recent history as a uPlot line, with the rule's level set points drawn as
// coloured lines, and live points appended as the stream delivers them.

import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { levelLabel, LEVELS } from '../levels.js';
import { locale, t } from '../i18n.js';
import { formatTime } from '../format.js';

const COLOURS = { blue: '#1e6fd9', yellow: '#f5c400', orange: '#f57c00', red: '#d32f2f' };
/** Points kept for the live view: 30 minutes. */
export const WINDOW_MS = 30 * 60_000;

function thresholds(levels) {
  return LEVELS.filter((l) => typeof levels?.[l] === 'number').map((l) => ({ level: l, value: levels[l] }));
}

/** Smallest gap between two set-point labels, in CSS pixels (12 px text plus air). */
const LABEL_GAP_PX = 15;

/**
 * Label heights for lines at pixel heights `ys` (top of the plot = small y): each label sits just
 * above its line, and a label that would overlap the one above it is moved down, in order.
 */
export function spreadLabels(ys, gap) {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y);
  const out = new Array(ys.length);
  let prev = -Infinity;
  for (const { y, i } of order) {
    const at = Math.max(y - gap * 0.25, prev + gap);
    out[i] = at;
    prev = at;
  }
  return out;
}

/** Draws each set point as a dashed line labelled in words, so colour is not the only cue. */
function thresholdPlugin(getLines, onLabels = () => {}) {
  return {
    hooks: {
      draw: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
        const shown = getLines()
          .map((l) => ({ ...l, y: Math.round(u.valToPos(l.value, 'y', true)) }))
          .filter((l) => l.y >= bbox.top && l.y <= bbox.top + bbox.height);
        for (const { level, y } of shown) {
          ctx.strokeStyle = COLOURS[level];
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
        }
        // Labelled at the right end, clear of the y axis's own numbers; set points close together
        // (a reservoir's 120 / 122 / 124.8 m) get labels pushed apart instead of printed over each other.
        const labelYs = spreadLabels(shown.map((l) => l.y), LABEL_GAP_PX * devicePixelRatio);
        onLabels(labelYs.map((y) => y / devicePixelRatio));
        ctx.textAlign = 'right';
        ctx.textBaseline = 'bottom';
        shown.forEach(({ level, value }, i) => {
          const text = `${levelLabel(level)} ${value}`;
          const x = bbox.left + bbox.width - 4 * devicePixelRatio;
          const y = labelYs[i];
          const w = ctx.measureText(text).width;
          ctx.fillStyle = 'rgba(255,255,255,0.85)';
          ctx.fillRect(x - w - 2 * devicePixelRatio, y - 13 * devicePixelRatio, w + 4 * devicePixelRatio, 14 * devicePixelRatio);
          ctx.fillStyle = COLOURS[level] === COLOURS.yellow ? '#6b5500' : COLOURS[level];
          ctx.fillText(text, x, y);
        });
        ctx.restore();
      },
    },
  };
}

/**
 * The y range: the data and the quantity's set points, padded a little, so a reservoir at
 * 120–125 m fills the chart (not 0–125 m) while the nearest set point stays in view.
 */
export function valueRange(min, max, setPoints) {
  const values = [...setPoints];
  if (typeof min === 'number' && Number.isFinite(min)) values.push(min);
  if (typeof max === 'number' && Number.isFinite(max)) values.push(max);
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) * 0.1 || 1;
  lo -= span * 0.06;
  hi += span * 0.06;
  // A concentration never goes below zero: no axis running to -3 %LEL under clean air.
  if (Math.min(...values) >= 0 && lo < 0) lo = 0;
  return [lo, hi];
}

const TIME_INCRS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

function axisNumber(v) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(v);
}

/** An x-axis label: the time of day, or the date when the ticks are a day or more apart. */
function axisTime(ms, incrS) {
  const options = incrS >= 86_400 ? { month: 'numeric', day: 'numeric' } : incrS >= 60 ? { hour: '2-digit', minute: '2-digit', hour12: false } : { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  return new Intl.DateTimeFormat(locale(), options).format(new Date(ms));
}

export function createSensorChart(container) {
  let plot = null;
  let xs = [];
  let ys = [];
  let lines = [];

  const width = () => Math.max(200, container.clientWidth);
  const height = () => Math.max(160, Math.min(320, Math.round(container.clientWidth * 0.45)));
  const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: height() }));
  observer.observe(container);

  // What is drawn, as data attributes on the container: for tests and for a look in devtools.
  function describe() {
    container.dataset.points = String(xs.length);
    container.dataset.levels = lines.map((l) => `${l.level}:${l.value}`).join(',');
  }

  function yRange(_u, min, max) {
    const range = valueRange(min, max, lines.map((l) => l.value));
    container.dataset.yRange = range.join(',');
    return range;
  }

  return {
    /** points: [{ tsMs, value }]; levels: the rule's set points; label: series name with unit. */
    show({ points, levels, label }) {
      xs = points.map((p) => p.tsMs / 1000);
      ys = points.map((p) => p.value);
      lines = thresholds(levels);
      plot?.destroy();
      plot = new uPlot(
        {
          width: width(),
          height: height(),
          scales: { x: { time: true }, y: { range: yRange } },
          axes: [
            // Times in the page's language and the browser's zone (uPlot's own are English: 12/7/26 8:58pm).
            {
              space: 70,
              // Whole seconds and up: sub-second ticks printed as times repeat the same label.
              incrs: TIME_INCRS_S,
              values: (_u, splits, _ax, _space, incr) => {
                const labels = splits.map((s) => axisTime(s * 1000, incr));
                container.dataset.xTicks = labels.join('|');
                return labels;
              },
            },
            { size: 56, values: (_u, splits) => splits.map(axisNumber) },
          ],
          series: [
            { label: t('time'), value: (_u, v) => (v === null || v === undefined ? '—' : formatTime(v * 1000)) },
            { label, stroke: '#333', width: 2, spanGaps: false },
          ],
          legend: { show: true },
          plugins: [thresholdPlugin(() => lines, (ys) => (container.dataset.labelYs = ys.map((y) => y.toFixed(1)).join(',')))],
        },
        [xs, ys],
        container,
      );
      describe();
    },
    addPoint(tsMs, value) {
      if (!plot) return;
      const cutoff = (tsMs - WINDOW_MS) / 1000;
      xs.push(tsMs / 1000);
      ys.push(value);
      while (xs.length > 0 && xs[0] < cutoff) {
        xs.shift();
        ys.shift();
      }
      plot.setData([xs, ys]);
      describe();
    },
    clear() {
      plot?.destroy();
      plot = null;
      xs = [];
      ys = [];
      lines = [];
      describe();
      container.replaceChildren();
    },
  };
}
