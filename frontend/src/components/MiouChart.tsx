import { axisTicks, percentTicks, scales } from "../domain/chart";
import { formatCompact, formatInt, formatIoU, formatPercent } from "../domain/format";
import type { CurvePoint } from "../domain/rounds";
import { CHART, ChartAxes, MarkerLabel } from "./ChartAxes";

const FRAME = { ...CHART, height: 240 };

/** mIoU (y, %) against labelled pixels (x), one marker per round. */
export function MiouChart({ points }: { points: CurvePoint[] }) {
  const xs = axisTicks(Math.max(...points.map((p) => p.labelledPixels), 1), { integer: true });
  const ys = percentTicks(Math.max(...points.map((p) => p.miou)));
  const { x, y } = scales(FRAME, xs.end, ys.end);
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.labelledPixels).toFixed(1)},${y(p.miou).toFixed(1)}`).join(" ");
  const area =
    points.length > 1
      ? `${path} L${x(points[points.length - 1]?.labelledPixels ?? 0).toFixed(1)},${y(0)} L${x(points[0]?.labelledPixels ?? 0).toFixed(1)},${y(0)} Z`
      : "";
  return (
    <svg class="chart" viewBox={`0 0 ${FRAME.width} ${FRAME.height}`} role="img" aria-label="mIoU against labelled pixels" data-testid="miou-chart">
      <ChartAxes frame={FRAME} x={x} y={y} xTicks={xs.ticks} xTick={formatCompact} yTicks={ys.ticks} xLabel="labelled target pixels" yLabel="mIoU %" />
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
          <MarkerLabel frame={FRAME} x={x(p.labelledPixels)} y={y(p.miou) - 8}>
            R{p.round} · {formatIoU(p.miou)}
          </MarkerLabel>
        </g>
      ))}
    </svg>
  );
}
