// Line charts as inline SVG, drawn from the device's per-minute metric history.

import { h } from './ui.js';

const W = 320;
const H = 120;
const PAD = { left: 40, right: 8, top: 8, bottom: 20 };

function svg(tag, attrs, ...children) { return h(`svg:${tag}`, attrs, ...children); }

const clock = (seconds) => new Date(seconds * 1000).toTimeString().slice(0, 5);

/**
 * A chart of `points` ([{t: seconds, v: number}]) with a title and a unit formatter.
 * Gaps longer than 5 minutes break the line. `max` fixes the top of the scale.
 */
export function lineChart({ title, points, format, max, testid }) {
  const values = points.filter((p) => p.v !== null && p.v !== undefined && Number.isFinite(p.v));
  const latest = values.length ? values[values.length - 1].v : null;
  const figure = h('figure', { class: 'chart', 'data-testid': testid });
  const caption = h('figcaption', null, h('span', { class: 'chart-title', text: title }), ' ',
    h('span', { class: 'chart-now', text: latest === null ? 'no data' : format(latest) }));
  if (values.length < 2) {
    figure.append(caption, h('p', { class: 'muted chart-empty', text: values.length ? 'One sample so far; the chart draws from the second minute.' : 'No samples in the last 24 hours.' }));
    return figure;
  }
  const t0 = values[0].t;
  const t1 = values[values.length - 1].t;
  let lo = Math.min(...values.map((p) => p.v));
  let hi = max ?? Math.max(...values.map((p) => p.v));
  lo = Math.min(0, lo);
  if (hi <= lo) hi = lo + 1;
  const x = (t) => PAD.left + ((t - t0) / Math.max(1, t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const segments = [];
  let current = [];
  let previous = null;
  for (const point of values) {
    if (previous && point.t - previous.t > 300) { segments.push(current); current = []; }
    current.push(`${x(point.t).toFixed(1)},${y(point.v).toFixed(1)}`);
    previous = point;
  }
  segments.push(current);
  const summary = `${title}: from ${clock(t0)} to ${clock(t1)}, lowest ${format(Math.min(...values.map((p) => p.v)))}, highest ${format(Math.max(...values.map((p) => p.v)))}, now ${format(latest)}`;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary, class: 'chart-svg', preserveAspectRatio: 'none' },
    svg('line', { x1: PAD.left, y1: y(hi), x2: W - PAD.right, y2: y(hi), class: 'grid' }),
    svg('line', { x1: PAD.left, y1: y(lo), x2: W - PAD.right, y2: y(lo), class: 'axis' }),
    svg('text', { x: PAD.left - 4, y: y(hi) + 4, class: 'tick', 'text-anchor': 'end' }, format(hi)),
    svg('text', { x: PAD.left - 4, y: y(lo), class: 'tick', 'text-anchor': 'end' }, format(lo)),
    svg('text', { x: PAD.left, y: H - 4, class: 'tick' }, clock(t0)),
    svg('text', { x: W - PAD.right, y: H - 4, class: 'tick', 'text-anchor': 'end' }, clock(t1)),
    segments.filter((s) => s.length).map((s) => (s.length === 1
      ? svg('circle', { cx: s[0].split(',')[0], cy: s[0].split(',')[1], r: 1.5, class: 'line-dot' })
      : svg('polyline', { points: s.join(' '), class: 'line', fill: 'none' }))));
  figure.append(caption, chart);
  return figure;
}
