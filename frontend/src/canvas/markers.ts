/** Canvas drawing for the ui layer: point markers, the current point, the brush cursor, segment outlines. */

import type { Point } from "../api";
import { UNSURE_COLOUR } from "../domain/colour";
import { imageToCanvas, type ViewTransform } from "../domain/geometry";
import { UNSURE } from "../domain/points";
import type { Rect } from "../domain/raster";

export const CURRENT_COLOUR = "#ffd400";

export function labelColour(colours: ReadonlyMap<number, string>, classId: number): string {
  if (classId === UNSURE) return UNSURE_COLOUR;
  return colours.get(classId) ?? "#888888";
}

export function markerRadius(t: ViewTransform): number {
  return Math.min(8, Math.max(5.5, t.scale * 1.2));
}

/** All points: hollow rings when unlabelled, filled discs in the class colour when labelled. */
export function drawPoints(
  ctx: CanvasRenderingContext2D,
  t: ViewTransform,
  points: readonly Point[],
  labels: readonly (number | null)[],
  current: number,
  colours: ReadonlyMap<number, string>,
): void {
  const r = markerRadius(t);
  points.forEach((p, i) => {
    if (i !== current) drawMarker(ctx, imageToCanvas(t, p), r, labels[i] ?? null, colours);
  });
  const cur = points[current];
  if (cur) drawCurrent(ctx, t, cur, r, labels[current] ?? null, colours);
}

function drawMarker(
  ctx: CanvasRenderingContext2D,
  c: Point,
  r: number,
  label: number | null,
  colours: ReadonlyMap<number, string>,
): void {
  ctx.beginPath();
  ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
  if (label === null) {
    ctx.lineWidth = 3.5;
    ctx.strokeStyle = "rgba(0,0,0,0.75)";
    ctx.stroke();
    ctx.lineWidth = 1.75;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    return;
  }
  ctx.fillStyle = labelColour(colours, label);
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(c.x, c.y, r + 1.5, 0, Math.PI * 2);
  ctx.lineWidth = 1;
  ctx.strokeStyle = "rgba(0,0,0,0.75)";
  ctx.stroke();
  if (label === UNSURE) {
    ctx.fillStyle = "#111827";
    ctx.font = `bold ${Math.round(r * 1.5)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("?", c.x, c.y + 0.5);
  }
}

function strokeTwice(ctx: CanvasRenderingContext2D, draw: () => void, width: number, colour: string): void {
  ctx.lineWidth = width + 2.5;
  ctx.strokeStyle = "rgba(0,0,0,0.8)";
  ctx.beginPath();
  draw();
  ctx.stroke();
  ctx.lineWidth = width;
  ctx.strokeStyle = colour;
  ctx.beginPath();
  draw();
  ctx.stroke();
}

/** Ring and crosshair around the current point (hollow: the pixel stays visible), its pixel outlined when zoomed in. */
function drawCurrent(
  ctx: CanvasRenderingContext2D,
  t: ViewTransform,
  p: Point,
  r: number,
  label: number | null,
  colours: ReadonlyMap<number, string>,
): void {
  const c = imageToCanvas(t, p);
  if (label !== null) {
    ctx.beginPath();
    ctx.arc(c.x, c.y, r + 1, 0, Math.PI * 2);
    ctx.lineWidth = 5;
    ctx.strokeStyle = "rgba(0,0,0,0.8)";
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = labelColour(colours, label);
    ctx.stroke();
  }
  const ring = r + 7;
  strokeTwice(ctx, () => ctx.arc(c.x, c.y, ring, 0, Math.PI * 2), 2, CURRENT_COLOUR);
  const inner = ring + 3;
  const outer = ring + 18;
  strokeTwice(
    ctx,
    () => {
      ctx.moveTo(c.x - outer, c.y);
      ctx.lineTo(c.x - inner, c.y);
      ctx.moveTo(c.x + inner, c.y);
      ctx.lineTo(c.x + outer, c.y);
      ctx.moveTo(c.x, c.y - outer);
      ctx.lineTo(c.x, c.y - inner);
      ctx.moveTo(c.x, c.y + inner);
      ctx.lineTo(c.x, c.y + outer);
    },
    1.5,
    CURRENT_COLOUR,
  );
  if (t.scale >= 8) {
    const x = t.offsetX + p.x * t.scale;
    const y = t.offsetY + p.y * t.scale;
    ctx.lineWidth = 1;
    ctx.strokeStyle = CURRENT_COLOUR;
    ctx.strokeRect(x + 0.5, y + 0.5, t.scale - 1, t.scale - 1);
  }
}

/** The brush outline at image point `p` (float) with `size` pixels diameter, in the paint colour. */
export function drawBrush(ctx: CanvasRenderingContext2D, t: ViewTransform, p: Point, size: number, colour: string, erase: boolean): void {
  const cx = t.offsetX + p.x * t.scale;
  const cy = t.offsetY + p.y * t.scale;
  const r = Math.max(2, (size / 2) * t.scale);
  ctx.setLineDash(erase ? [4, 3] : []);
  strokeTwice(ctx, () => ctx.arc(cx, cy, r, 0, Math.PI * 2), 1.5, erase ? "#ffffff" : colour);
  ctx.setLineDash([]);
}

/** A dashed box around a segment (fill tool hover, "next unlabelled"). */
export function drawBox(ctx: CanvasRenderingContext2D, t: ViewTransform, r: Rect, colour: string): void {
  const x = t.offsetX + r.x0 * t.scale - 3;
  const y = t.offsetY + r.y0 * t.scale - 3;
  const w = (r.x1 - r.x0) * t.scale + 6;
  const h = (r.y1 - r.y0) * t.scale + 6;
  ctx.setLineDash([6, 4]);
  strokeTwice(ctx, () => ctx.rect(x, y, w, h), 1.5, colour);
  ctx.setLineDash([]);
}
