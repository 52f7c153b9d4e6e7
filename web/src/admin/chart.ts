/**
 * Small SVG charts for the console: stacked bars and lines over time, drawn with the DOM
 * API (no markup parsed, no inline style, so they live under the console's strict CSP).
 * Colours come from the style sheet (`.chart .s0` … `.s5`), so light and dark follow it.
 * Each bar and point carries a <title> (its time, series and value) for a tooltip and for
 * screen readers; the chart as a whole is an image labelled with what it shows.
 */

const NS = 'http://www.w3.org/2000/svg';
const PAD = { left: 44, right: 16, top: 10, bottom: 24 };
/** Grid lines above zero: a top of 1, 2 or 5 × 10^k (at least 5) labels them in whole numbers. */
const STEPS = 5;

export interface Series {
  name: string;
  values: number[];
}

export interface ChartOptions {
  /** What the chart shows, for screen readers. */
  label: string;
  /** A value as an axis label and in tooltips (default: the number). */
  format?: (n: number) => string;
  /** The top of the y axis at least (default 5, for counts; e.g. 1 for a ratio). */
  max?: number;
  /**
   * The drawing's size in CSS pixels at which text is 11px (default 640 × 200): it scales
   * to the card's width, so a chart in a narrow card asks for a narrower drawing.
   */
  width?: number;
  height?: number;
}

interface Box {
  W: number;
  H: number;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Array<Node | string>
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** The next round number at or above `n` (1, 2, 5 × 10^k), so grid lines fall on it. */
export function niceMax(n: number): number {
  if (!(n > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * step >= n) return m * step;
  return 10 * step;
}

/** `12:05` in the browser's time zone. */
export const clockTime = (ms: number) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

const plain = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** The frame: y grid lines with labels and a few time labels under the x axis. */
function frame(
  { W, H }: Box,
  times: number[],
  top: number,
  format: (n: number) => string,
): SVGGElement {
  const g = svg('g', { class: 'axes' });
  const plotH = H - PAD.top - PAD.bottom;
  for (let i = 0; i <= STEPS; i++) {
    const y = PAD.top + plotH - (plotH * i) / STEPS;
    g.append(
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: 'gridline' }),
      svg('text', { x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' }, format((top * i) / STEPS)),
    );
  }
  const ticks = Math.min(Math.max(2, Math.floor(W / 110)), times.length);
  const plotW = W - PAD.left - PAD.right;
  for (let i = 0; i < ticks; i++) {
    const at = Math.round((i * (times.length - 1)) / Math.max(1, ticks - 1));
    const x = PAD.left + (plotW * (at + 0.5)) / times.length;
    const anchor = ticks > 1 && i === ticks - 1 ? 'end' : ticks > 1 && i === 0 ? 'start' : 'middle';
    const shift = anchor === 'end' ? 6 : anchor === 'start' ? -6 : 0;
    g.append(svg('text', { x: x + shift, y: H - 6, 'text-anchor': anchor }, clockTime(times[at]!)));
  }
  return g;
}

function frameOf(label: string, { W, H }: Box): SVGSVGElement {
  return svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'chart',
    role: 'img',
    'aria-label': label,
  });
}

/** The drawing with its frame, for values up to `values`' largest: what a chart draws in. */
function framed(times: number[], values: number[], opts: ChartOptions) {
  const format = opts.format ?? plain;
  const top = niceMax(Math.max(opts.max ?? STEPS, ...values));
  const box = { W: opts.width ?? 640, H: opts.height ?? 200 };
  const root = frameOf(opts.label, box);
  root.append(frame(box, times, top, format));
  const plotW = box.W - PAD.left - PAD.right;
  const plotH = box.H - PAD.top - PAD.bottom;
  return { root, format, top, plotW, plotH };
}

/** Bars per time bucket, one stacked segment per series. */
export function barChart(times: number[], series: Series[], opts: ChartOptions): SVGSVGElement {
  const totals = times.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const { root, format, top, plotW, plotH } = framed(times, totals, opts);
  const slot = plotW / Math.max(1, times.length);
  const width = Math.max(1, slot * 0.7);
  times.forEach((t, i) => {
    let base = PAD.top + plotH;
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return;
      const h = (plotH * v) / top;
      base -= h;
      root.append(
        svg(
          'rect',
          {
            x: PAD.left + slot * i + (slot - width) / 2,
            y: base,
            width,
            height: Math.max(h, 1),
            class: `s${k % 6}`,
            'data-series': s.name,
            'data-value': v,
          },
          svg('title', {}, `${clockTime(t)} · ${s.name}: ${format(v)}`),
        ),
      );
    });
  });
  return root;
}

/** One line per series, with a point on each value that is not zero. */
export function lineChart(times: number[], series: Series[], opts: ChartOptions): SVGSVGElement {
  const values = series.flatMap((s) => s.values);
  const { root, format, top, plotW, plotH } = framed(times, values, opts);
  const x = (i: number) => PAD.left + (plotW * (i + 0.5)) / Math.max(1, times.length);
  const y = (v: number) => PAD.top + plotH - (plotH * v) / top;
  series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    if (points.length > 1) {
      root.append(
        svg('polyline', { points: points.join(' '), class: `line s${k % 6}`, fill: 'none' }),
      );
    }
    s.values.forEach((v, i) => {
      // Points mark what is not zero (and a lone sample), so a quiet hour is a clean line.
      if (v === 0 && points.length > 1) return;
      root.append(
        svg(
          'circle',
          { cx: x(i), cy: y(v), r: points.length > 1 ? 2 : 3, class: `point s${k % 6}` },
          svg('title', {}, `${clockTime(times[i]!)} · ${s.name}: ${format(v)}`),
        ),
      );
    });
  });
  return root;
}

/** The legend of a chart: a swatch, the series' name and its total (or last value). */
export function legend(
  series: Series[],
  value: (s: Series) => string = (s) => String(s.values.reduce((a, b) => a + b, 0)),
): HTMLElement {
  const list = document.createElement('ul');
  list.className = 'legend';
  series.forEach((s, k) => {
    const item = document.createElement('li');
    item.dataset.series = s.name;
    const swatch = document.createElement('span');
    swatch.className = `swatch s${k % 6}`;
    const figure = document.createElement('b');
    figure.textContent = value(s);
    item.append(swatch, `${s.name} `, figure);
    list.append(item);
  });
  return list;
}

/** One horizontal bar: its label, its share of the whole (0–1) and the text beside it. */
export interface Bar {
  label: string;
  share: number;
  text: string;
}

/**
 * Horizontal bars, one per row, each as long as its share of the widest possible (a funnel's
 * steps: the share of those entering that reached each). A label on the left, the figure
 * after the bar; a faint track shows the whole each bar is a share of.
 */
export function barRows(bars: Bar[], opts: { label: string; width?: number }): SVGSVGElement {
  const W = opts.width ?? 640;
  const ROW = 34;
  const LABEL = 150;
  const FIGURE = 120;
  const H = bars.length * ROW + 4;
  const root = frameOf(opts.label, { W, H });
  root.classList.add('bars');
  const plotW = W - LABEL - FIGURE;
  bars.forEach((b, i) => {
    const y = 2 + i * ROW;
    const share = Math.min(1, Math.max(0, b.share));
    const name = b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label;
    root.append(
      svg(
        'text',
        { x: LABEL - 10, y: y + ROW / 2 + 4, 'text-anchor': 'end', class: 'bar-label' },
        name,
      ),
      svg('rect', { x: LABEL, y: y + 6, width: plotW, height: ROW - 12, rx: 3, class: 'track' }),
      svg(
        'rect',
        {
          x: LABEL,
          y: y + 6,
          width: Math.max(share > 0 ? 2 : 0, plotW * share),
          height: ROW - 12,
          rx: 3,
          class: 's0',
          'data-step': b.label,
          'data-share': share,
        },
        svg('title', {}, `${b.label}: ${b.text}`),
      ),
      svg('text', { x: LABEL + plotW + 8, y: y + ROW / 2 + 4, class: 'bar-figure' }, b.text),
    );
  });
  return root;
}
