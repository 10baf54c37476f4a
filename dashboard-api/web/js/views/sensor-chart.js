// One sensor's recent history as a uPlot line, with the rule's level set points drawn as
// coloured lines, and live points appended as the stream delivers them.

import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { levelLabel, LEVELS } from '../levels.js';

const COLOURS = { blue: '#1e6fd9', yellow: '#f5c400', orange: '#f57c00', red: '#d32f2f' };
/** Points kept for the live view: 30 minutes. */
export const WINDOW_MS = 30 * 60_000;

function thresholds(levels) {
  return LEVELS.filter((l) => typeof levels?.[l] === 'number').map((l) => ({ level: l, value: levels[l] }));
}

/** Draws each set point as a dashed line labelled in words, so colour is not the only cue. */
function thresholdPlugin(getLines) {
  return {
    hooks: {
      draw: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
        for (const { level, value } of getLines()) {
          const y = Math.round(u.valToPos(value, 'y', true));
          if (y < bbox.top || y > bbox.top + bbox.height) continue;
          ctx.strokeStyle = COLOURS[level];
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
          // Labelled at the right end, clear of the y axis's own numbers.
          const text = `${levelLabel(level)} ${value}`;
          ctx.fillStyle = '#222';
          ctx.textAlign = 'right';
          ctx.fillText(text, bbox.left + bbox.width - 4 * devicePixelRatio, y - 3 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
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
    // Keep every set point in view: how close the gas is to red matters more than the wiggles.
    const values = lines.map((l) => l.value);
    const lo = Math.min(min ?? 0, ...values, 0);
    const hi = Math.max(max ?? 1, ...values);
    return [lo, hi + (hi - lo) * 0.05 || 1];
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
          series: [{}, { label, stroke: '#333', width: 2, spanGaps: false }],
          legend: { show: true },
          plugins: [thresholdPlugin(() => lines)],
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
