/** Chart geometry shared by the SVG charts: axis steps and the shaded band of an interval. */

/** 1, 2, 2.5 or 5 × a power of ten, at least v. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Ticks 0, step, 2·step… up to at least `max` (4 or so), and the axis end. */
export function axisTicks(max: number, { integer = false } = {}): { ticks: number[]; end: number } {
  let step = niceCeil(max / 4);
  if (integer) step = Math.max(1, Math.ceil(step));
  const end = Math.max(step * Math.ceil((max * 1.05) / step), step);
  const n = Math.round(end / step);
  return { ticks: Array.from({ length: n + 1 }, (_, i) => roundTo(i * step)), end };
}

/** A percentage axis up to the next 10 % above `top` (+2 points of room), at least 20 %. */
export function percentTicks(top: number): { ticks: number[]; end: number } {
  const end = Math.min(1, Math.max(0.2, Math.ceil((top + 0.02) * 10) / 10));
  const step = end <= 0.5 ? 0.1 : 0.2;
  return { ticks: Array.from({ length: Math.floor(end / step + 1e-9) + 1 }, (_, i) => roundTo(i * step)), end };
}

export interface Frame {
  width: number;
  height: number;
  margin: { left: number; right: number; top: number; bottom: number };
}

/** Screen coordinates of data values on a frame whose axes end at `xEnd` and `yEnd`. */
export function scales(frame: Frame, xEnd: number, yEnd: number): { x: (v: number) => number; y: (v: number) => number } {
  const { width, height, margin } = frame;
  return {
    x: (v) => margin.left + (v / xEnd) * (width - margin.left - margin.right),
    y: (v) => height - margin.bottom - (v / yEnd) * (height - margin.top - margin.bottom),
  };
}

function roundTo(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}

export interface BandPoint {
  x: number;
  low: number;
  high: number;
}

/**
 * The closed SVG path of a band in screen coordinates: along the highs left to right, back
 * along the lows. A single point becomes a bar `halfWidth` either side. Empty for no points.
 */
export function bandPath(points: readonly BandPoint[], halfWidth = 6): string {
  if (points.length === 0) return "";
  const pts = [...points].sort((a, b) => a.x - b.x);
  const f = (v: number): string => v.toFixed(1);
  if (pts.length === 1) {
    const p = pts[0] as BandPoint;
    return `M${f(p.x - halfWidth)},${f(p.high)} L${f(p.x + halfWidth)},${f(p.high)} L${f(p.x + halfWidth)},${f(p.low)} L${f(p.x - halfWidth)},${f(p.low)} Z`;
  }
  const top = pts.map((p, i) => `${i === 0 ? "M" : "L"}${f(p.x)},${f(p.high)}`);
  const bottom = [...pts].reverse().map((p) => `L${f(p.x)},${f(p.low)}`);
  return `${top.join(" ")} ${bottom.join(" ")} Z`;
}
