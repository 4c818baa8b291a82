import { useState } from "preact/hooks";
import type { LedgerRow } from "../api";
import { hoursBeforeRound, type EstimatePoint } from "../domain/audit";
import { axisTicks, bandPath, percentTicks, scales } from "../domain/chart";
import { formatCompact, formatInt, formatIoU } from "../domain/format";
import { CHART, ChartAxes, MarkerLabel } from "./ChartAxes";

const FRAME = { ...CHART, height: 250 };

type Axis = "pixels" | "hours";

/**
 * The audit-estimated mIoU (line) with its interval (shaded band) against the labels spent:
 * labelled target pixels, or annotator-hours from the ledger. The target/val mIoU, where the
 * project has a labelled set, shows as hollow markers beside it.
 */
export function AuditChart({ curve, ledgerRows }: { curve: EstimatePoint[]; ledgerRows: LedgerRow[] | null }) {
  const [axis, setAxis] = useState<Axis>("pixels");
  const xOf = (p: EstimatePoint): number | null => (axis === "pixels" ? p.labelledPixels : ledgerRows ? hoursBeforeRound(ledgerRows, p.round) : null);
  const pts = curve.flatMap((p) => {
    const xv = xOf(p);
    return xv === null ? [] : [{ ...p, xv }];
  });
  const xs = axisTicks(Math.max(...pts.map((p) => p.xv), axis === "pixels" ? 1 : 0.1));
  const ys = percentTicks(Math.max(...pts.map((p) => Math.max(p.high, p.valMiou ?? 0)), 0));
  const { x, y } = scales(FRAME, xs.end, ys.end);
  const band = bandPath(pts.map((p) => ({ x: x(p.xv), low: y(p.low), high: y(p.high) })));
  const line = pts.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.xv).toFixed(1)},${y(p.miou).toFixed(1)}`).join(" ");
  const xLabel = axis === "pixels" ? "labelled target pixels" : "annotator-hours before the round";
  const tick = (t: number): string => (axis === "pixels" ? formatCompact(t) : t < 10 ? String(Math.round(t * 100) / 100) : formatCompact(t));

  return (
    <div>
      <div class="segmented small chart-axis" role="group" aria-label="x axis">
        {(["pixels", "hours"] as const).map((a) => (
          <button
            key={a}
            type="button"
            class={a === axis ? "seg active" : "seg"}
            aria-pressed={a === axis}
            data-testid={`audit-axis-${a}`}
            disabled={a === "hours" && ledgerRows === null}
            onClick={() => setAxis(a)}
          >
            {a === "pixels" ? "Labelled pixels" : "Annotator-hours"}
          </button>
        ))}
      </div>
      {pts.length === 0 ? (
        <p class="muted pad">No estimate has a value on this axis yet.</p>
      ) : (
        <svg class="chart" viewBox={`0 0 ${FRAME.width} ${FRAME.height}`} role="img" aria-label={`Estimated mIoU against ${xLabel}`} data-testid="audit-chart" data-axis={axis}>
          <ChartAxes frame={FRAME} x={x} y={y} xTicks={xs.ticks} xTick={tick} yTicks={ys.ticks} xLabel={xLabel} yLabel="estimated mIoU %" />
          <path d={band} class="band" data-testid="audit-band" />
          <path d={line} class="line" />
          {pts.map((p) => (
            <g key={p.round} data-testid="audit-marker" data-round={p.round}>
              <circle cx={x(p.xv)} cy={y(p.miou)} r={4.5} class="marker">
                <title>
                  Round {p.round}: estimated mIoU {formatIoU(p.miou)} [{formatIoU(p.low)}–{formatIoU(p.high)}] from {formatInt(p.points)} audit points
                </title>
              </circle>
              {p.valMiou !== null && (
                <circle cx={x(p.xv)} cy={y(p.valMiou)} r={4} class="marker-val">
                  <title>
                    Round {p.round}: target/val mIoU {formatIoU(p.valMiou)}
                  </title>
                </circle>
              )}
              <MarkerLabel frame={FRAME} x={x(p.xv)} y={y(p.high) - 6}>
                R{p.round} · {formatIoU(p.miou)}
              </MarkerLabel>
            </g>
          ))}
        </svg>
      )}
      <p class="muted small chart-note">
        Line: estimate from audit points; shaded: its interval
        {curve.some((p) => p.valMiou !== null) && "; hollow markers: target/val mIoU"}.
      </p>
    </div>
  );
}
