import { useState } from "preact/hooks";
import type { LedgerRow } from "../api";
import { hoursBeforeRound, type EstimatePoint } from "../domain/audit";
import { axisTicks, bandPath } from "../domain/chart";
import { formatCompact, formatInt, formatIoU } from "../domain/format";

const W = 560;
const H = 250;
const M = { left: 46, right: 20, top: 16, bottom: 40 };

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
  const top = Math.max(...pts.map((p) => Math.max(p.high, p.valMiou ?? 0)), 0);
  const maxY = Math.min(1, Math.max(0.2, Math.ceil((top + 0.02) * 10) / 10));
  const x = (v: number): number => M.left + (v / xs.end) * (W - M.left - M.right);
  const y = (v: number): number => H - M.bottom - (v / maxY) * (H - M.top - M.bottom);
  const step = maxY <= 0.5 ? 0.1 : 0.2;
  const yTicks = Array.from({ length: Math.floor(maxY / step + 1e-9) + 1 }, (_, i) => Math.round(i * step * 10) / 10);
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
        <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Estimated mIoU against ${xLabel}`} data-testid="audit-chart" data-axis={axis}>
          {yTicks.map((t) => (
            <g key={`y${t}`}>
              <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} class="grid" />
              <text x={M.left - 8} y={y(t) + 4} class="tick" text-anchor="end">
                {Math.round(t * 100)}
              </text>
            </g>
          ))}
          {xs.ticks.map((t) => (
            <text key={`x${t}`} x={x(t)} y={H - M.bottom + 18} class="tick" text-anchor="middle">
              {tick(t)}
            </text>
          ))}
          <text x={M.left} y={M.top - 4} class="axis-label" text-anchor="start">
            estimated mIoU %
          </text>
          <text x={W - M.right} y={H - 6} class="axis-label" text-anchor="end">
            {xLabel}
          </text>
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
              <text
                x={x(p.xv) + (x(p.xv) > W - 90 ? -8 : 8)}
                y={y(p.high) - 6}
                class="marker-label"
                text-anchor={x(p.xv) > W - 90 ? "end" : "start"}
              >
                R{p.round} · {formatIoU(p.miou)}
              </text>
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
