import { formatIoU, formatPercent } from "../format";
import type { CurvePoint } from "../rounds";

const W = 560;
const H = 220;
const M = { left: 44, right: 16, top: 12, bottom: 34 };

/** mIoU (y, %) against labelled fraction (x, % of pixels), one marker per round. */
export function MiouChart({ points }: { points: CurvePoint[] }) {
  const maxX = Math.max(...points.map((p) => p.labelledFraction), 1e-6) * 1.1;
  // y axis up to the next multiple of 10 % above the best round (at least 20 %).
  const maxY = Math.min(1, Math.max(0.2, Math.ceil((Math.max(...points.map((p) => p.miou)) + 0.02) * 10) / 10));
  const x = (v: number): number => M.left + (v / maxX) * (W - M.left - M.right);
  const y = (v: number): number => H - M.bottom - (v / maxY) * (H - M.top - M.bottom);
  const step = maxY <= 0.5 ? 0.1 : 0.2;
  const yTicks = Array.from({ length: Math.floor(maxY / step + 1e-9) + 1 }, (_, i) => Math.round(i * step * 10) / 10);
  const xTicks = [0, 0.5, 1].map((f) => (f * maxX) / 1.1);
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.labelledFraction).toFixed(1)},${y(p.miou).toFixed(1)}`).join(" ");
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="mIoU against labelled pixels" data-testid="miou-chart">
      {yTicks.map((t) => (
        <g key={`y${t}`}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} class="grid" />
          <text x={M.left - 6} y={y(t) + 4} class="tick" text-anchor="end">
            {Math.round(t * 100)}
          </text>
        </g>
      ))}
      {xTicks.map((t) => (
        <text key={`x${t}`} x={x(t)} y={H - M.bottom + 16} class="tick" text-anchor="middle">
          {formatPercent(t, 2)}
        </text>
      ))}
      <text x={W - M.right} y={H - 4} class="axis-label" text-anchor="end">
        labelled pixels (% of target pool)
      </text>
      <path d={path} class="line" />
      {points.map((p) => (
        <g key={p.round}>
          <circle cx={x(p.labelledFraction)} cy={y(p.miou)} r={4} class="marker">
            <title>
              Round {p.round}: mIoU {formatIoU(p.miou)} at {formatPercent(p.labelledFraction, 2)} labelled
            </title>
          </circle>
          <text x={x(p.labelledFraction)} y={y(p.miou) - 9} class="marker-label" text-anchor="middle">
            {p.round}
          </text>
        </g>
      ))}
    </svg>
  );
}
