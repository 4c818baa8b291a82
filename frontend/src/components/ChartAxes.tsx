import type { ComponentChildren } from "preact";
import type { Frame } from "../domain/chart";

/** The two charts' frame: 560 wide, labels left and below. */
export const CHART: Omit<Frame, "height"> = { width: 560, margin: { left: 46, right: 20, top: 16, bottom: 40 } };

interface AxesProps {
  frame: Frame;
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: readonly number[];
  xTick: (v: number) => string;
  yTicks: readonly number[];
  xLabel: string;
  yLabel: string;
}

/** Horizontal grid lines with percentage ticks, x ticks, and both axis labels. */
export function ChartAxes({ frame, x, y, xTicks, xTick, yTicks, xLabel, yLabel }: AxesProps) {
  const { width, height, margin } = frame;
  return (
    <>
      {yTicks.map((t) => (
        <g key={`y${t}`}>
          <line x1={margin.left} x2={width - margin.right} y1={y(t)} y2={y(t)} class="grid" />
          <text x={margin.left - 8} y={y(t) + 4} class="tick" text-anchor="end">
            {Math.round(t * 100)}
          </text>
        </g>
      ))}
      {xTicks.map((t) => (
        <text key={`x${t}`} x={x(t)} y={height - margin.bottom + 18} class="tick" text-anchor="middle">
          {xTick(t)}
        </text>
      ))}
      <text x={margin.left} y={margin.top - 4} class="axis-label" text-anchor="start">
        {yLabel}
      </text>
      <text x={width - margin.right} y={height - 6} class="axis-label" text-anchor="end">
        {xLabel}
      </text>
    </>
  );
}

/** A marker's label beside it, turned to its left near the right edge so it stays inside. */
export function MarkerLabel({ frame, x, y, children }: { frame: Frame; x: number; y: number; children: ComponentChildren }) {
  const left = x > frame.width - 90;
  return (
    <text x={x + (left ? -8 : 8)} y={y} class="marker-label" text-anchor={left ? "end" : "start"}>
      {children}
    </text>
  );
}
