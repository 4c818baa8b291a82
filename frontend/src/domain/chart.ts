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
