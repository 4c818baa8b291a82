import { formatCompact, formatInt, formatIoU, formatPercent } from "../domain/format";
import type { CurvePoint } from "../domain/rounds";

const W = 560;
const H = 240;
const M = { left: 46, right: 20, top: 16, bottom: 40 };

/** mIoU (y, %) against labelled pixels (x), one marker per round. */
export function MiouChart({ points }: { points: CurvePoint[] }) {
  const maxPixels = Math.max(...points.map((p) => p.labelledPixels), 1);
  // Ticks at whole multiples of a "nice" step (never fractions of a pixel).
  const xStep = Math.max(1, niceCeil(maxPixels / 4));
  const maxX = Math.max(xStep * Math.ceil((maxPixels * 1.05) / xStep), xStep);
  // y axis up to the next multiple of 10 % above the best round (at least 20 %).
  const maxY = Math.min(1, Math.max(0.2, Math.ceil((Math.max(...points.map((p) => p.miou)) + 0.02) * 10) / 10));
  const x = (v: number): number => M.left + (v / maxX) * (W - M.left - M.right);
  const y = (v: number): number => H - M.bottom - (v / maxY) * (H - M.top - M.bottom);
  const step = maxY <= 0.5 ? 0.1 : 0.2;
  const yTicks = Array.from({ length: Math.floor(maxY / step + 1e-9) + 1 }, (_, i) => Math.round(i * step * 10) / 10);
  const xTicks = Array.from({ length: Math.round(maxX / xStep) + 1 }, (_, i) => i * xStep);
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.labelledPixels).toFixed(1)},${y(p.miou).toFixed(1)}`).join(" ");
  const area =
    points.length > 1
      ? `${path} L${x(points[points.length - 1]?.labelledPixels ?? 0).toFixed(1)},${y(0)} L${x(points[0]?.labelledPixels ?? 0).toFixed(1)},${y(0)} Z`
      : "";
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="mIoU against labelled pixels" data-testid="miou-chart">
      {yTicks.map((t) => (
        <g key={`y${t}`}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} class="grid" />
          <text x={M.left - 8} y={y(t) + 4} class="tick" text-anchor="end">
            {Math.round(t * 100)}
          </text>
        </g>
      ))}
      {xTicks.map((t) => (
        <text key={`x${t}`} x={x(t)} y={H - M.bottom + 18} class="tick" text-anchor="middle">
          {formatCompact(t)}
        </text>
      ))}
      <text x={M.left} y={M.top - 4} class="axis-label" text-anchor="start">
        mIoU %
      </text>
      <text x={W - M.right} y={H - 6} class="axis-label" text-anchor="end">
        labelled target pixels
      </text>
      {area && <path d={area} class="area" />}
      <path d={path} class="line" />
      {points.map((p) => (
        <g key={p.round}>
          <circle cx={x(p.labelledPixels)} cy={y(p.miou)} r={4.5} class="marker">
            <title>
              Round {p.round}: mIoU {formatIoU(p.miou)} with {formatInt(p.labelledPixels)} labelled pixels (
              {formatPercent(p.labelledFraction, 2)} of the pool)
            </title>
          </circle>
          <text
            x={x(p.labelledPixels) + (x(p.labelledPixels) > W - 90 ? -8 : 8)}
            y={y(p.miou) - 8}
            class="marker-label"
            text-anchor={x(p.labelledPixels) > W - 90 ? "end" : "start"}
          >
            R{p.round} · {formatIoU(p.miou)}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** 1, 2, 2.5 or 5 × a power of ten, at least v. */
function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
