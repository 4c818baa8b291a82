/**
 * Coordinate transforms between image pixels and the canvas (CSS pixels).
 * Image pixel (x, y) covers [x, x+1) × [y, y+1); its centre is (x + 0.5, y + 0.5).
 */

import type { Point } from "../api";

export interface ViewTransform {
  /** Canvas CSS pixels per image pixel. */
  scale: number;
  /** Canvas position of the image's top-left corner. */
  offsetX: number;
  offsetY: number;
  imageWidth: number;
  imageHeight: number;
}

/**
 * Fits an image into a view, preserving aspect ratio and centring it.
 * `padding` is left free on every side. Upscaling is allowed (small images
 * are enlarged so single pixels are easy to see).
 */
export function fitTransform(
  imageWidth: number,
  imageHeight: number,
  viewWidth: number,
  viewHeight: number,
  padding = 0,
): ViewTransform {
  const availW = Math.max(1, viewWidth - 2 * padding);
  const availH = Math.max(1, viewHeight - 2 * padding);
  const w = Math.max(1, imageWidth);
  const h = Math.max(1, imageHeight);
  const scale = Math.min(availW / w, availH / h);
  return {
    scale,
    offsetX: (viewWidth - w * scale) / 2,
    offsetY: (viewHeight - h * scale) / 2,
    imageWidth: w,
    imageHeight: h,
  };
}

/** Canvas position of the centre of image pixel `p`. */
export function imageToCanvas(t: ViewTransform, p: Point): Point {
  return { x: t.offsetX + (p.x + 0.5) * t.scale, y: t.offsetY + (p.y + 0.5) * t.scale };
}

/** Image pixel under a canvas position, or null outside the image. */
export function canvasToImage(t: ViewTransform, c: Point): Point | null {
  const x = Math.floor((c.x - t.offsetX) / t.scale);
  const y = Math.floor((c.y - t.offsetY) / t.scale);
  if (x < 0 || y < 0 || x >= t.imageWidth || y >= t.imageHeight) return null;
  return { x, y };
}

/** Index of the point nearest to canvas position `c` within `maxDistance` CSS pixels, else null. */
export function hitTest(
  t: ViewTransform,
  points: readonly Point[],
  c: Point,
  maxDistance: number,
): number | null {
  let best: number | null = null;
  let bestD2 = maxDistance * maxDistance;
  points.forEach((p, i) => {
    const q = imageToCanvas(t, p);
    const d2 = (q.x - c.x) ** 2 + (q.y - c.y) ** 2;
    if (d2 <= bestD2) {
      bestD2 = d2;
      best = i;
    }
  });
  return best;
}

/**
 * The source rectangle (in image pixels) for a magnifier of `size` pixels
 * centred on `p`, shifted to stay inside the image where possible.
 */
export function loupeRect(
  imageWidth: number,
  imageHeight: number,
  p: Point,
  size: number,
): { x: number; y: number; w: number; h: number } {
  const w = Math.min(size, imageWidth);
  const h = Math.min(size, imageHeight);
  const x = Math.min(Math.max(p.x - Math.floor(w / 2), 0), imageWidth - w);
  const y = Math.min(Math.max(p.y - Math.floor(h / 2), 0), imageHeight - h);
  return { x, y, w, h };
}

// --- zoom and pan ------------------------------------------------------------------

export const MIN_ZOOM_FACTOR = 0.5; // relative to the fit scale
export const MAX_SCALE = 64; // canvas pixels per image pixel

/** Image coordinates (float) under a canvas position; may lie outside the image. */
export function canvasToImageF(t: ViewTransform, c: Point): Point {
  return { x: (c.x - t.offsetX) / t.scale, y: (c.y - t.offsetY) / t.scale };
}

/** Canvas position of image coordinates (float, not pixel centres). */
export function imageToCanvasF(t: ViewTransform, p: Point): Point {
  return { x: t.offsetX + p.x * t.scale, y: t.offsetY + p.y * t.scale };
}

/**
 * Zooms by `factor` keeping the image point under canvas position `anchor`
 * where it is; the scale stays within [minScale, maxScale].
 */
export function zoomAt(t: ViewTransform, factor: number, anchor: Point, minScale: number, maxScale = MAX_SCALE): ViewTransform {
  const scale = Math.min(maxScale, Math.max(minScale, t.scale * factor));
  const ix = (anchor.x - t.offsetX) / t.scale;
  const iy = (anchor.y - t.offsetY) / t.scale;
  return { ...t, scale, offsetX: anchor.x - ix * scale, offsetY: anchor.y - iy * scale };
}

export function panBy(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { ...t, offsetX: t.offsetX + dx, offsetY: t.offsetY + dy };
}

/** A transform at `scale` with image point `p` (float) at the centre of the view. */
export function centreOn(t: ViewTransform, p: Point, viewWidth: number, viewHeight: number, scale = t.scale): ViewTransform {
  return { ...t, scale, offsetX: viewWidth / 2 - p.x * scale, offsetY: viewHeight / 2 - p.y * scale };
}

/**
 * Keeps at least `margin` canvas pixels of the image inside the view (or the
 * whole image, when it is smaller than that), so panning never loses it.
 */
export function clampPan(t: ViewTransform, viewWidth: number, viewHeight: number, margin = 64): ViewTransform {
  const w = t.imageWidth * t.scale;
  const h = t.imageHeight * t.scale;
  const mx = Math.min(margin, w);
  const my = Math.min(margin, h);
  const offsetX = Math.min(viewWidth - mx, Math.max(mx - w, t.offsetX));
  const offsetY = Math.min(viewHeight - my, Math.max(my - h, t.offsetY));
  return offsetX === t.offsetX && offsetY === t.offsetY ? t : { ...t, offsetX, offsetY };
}

/** The image pixels visible in the view, as a half-open integer rectangle (may be empty). */
export function visibleImageRect(
  t: ViewTransform,
  viewWidth: number,
  viewHeight: number,
): { x0: number; y0: number; x1: number; y1: number } {
  const x0 = Math.max(0, Math.floor(-t.offsetX / t.scale));
  const y0 = Math.max(0, Math.floor(-t.offsetY / t.scale));
  const x1 = Math.min(t.imageWidth, Math.ceil((viewWidth - t.offsetX) / t.scale));
  const y1 = Math.min(t.imageHeight, Math.ceil((viewHeight - t.offsetY) / t.scale));
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : { x0: 0, y0: 0, x1: 0, y1: 0 };
}

/**
 * Device-pixel rectangle covering image rect `r` (for clipping a partial
 * redraw), grown by `pad` device pixels and snapped outwards to integers.
 */
export function imageRectToDevice(
  t: ViewTransform,
  r: { x0: number; y0: number; x1: number; y1: number },
  dpr: number,
  pad = 1,
): { x: number; y: number; w: number; h: number } {
  const x = Math.floor((t.offsetX + r.x0 * t.scale) * dpr) - pad;
  const y = Math.floor((t.offsetY + r.y0 * t.scale) * dpr) - pad;
  const x1 = Math.ceil((t.offsetX + r.x1 * t.scale) * dpr) + pad;
  const y1 = Math.ceil((t.offsetY + r.y1 * t.scale) * dpr) + pad;
  return { x, y, w: x1 - x, h: y1 - y };
}

/**
 * The zoom used to look closely at one point: about `span` image pixels
 * across the shorter side of the view, never less than the fit scale.
 */
export function focusScale(fit: ViewTransform, viewWidth: number, viewHeight: number, span = 160): number {
  return Math.min(MAX_SCALE, Math.max(fit.scale, Math.min(viewWidth, viewHeight) / span));
}

/**
 * The zoom for a close look at image rectangle `box` (e.g. the next unlabelled
 * segment): the box and a margin across the shorter side of the view, at most
 * 8× and never less than the fit scale.
 */
export function closeUpScale(
  fitScale: number,
  viewWidth: number,
  viewHeight: number,
  box: { x0: number; y0: number; x1: number; y1: number },
): number {
  const span = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  const scale = Math.min(fitScale * 8, Math.min(viewWidth, viewHeight) / Math.max(span + 20, 40));
  return Math.max(fitScale, scale);
}

/** True when image point `p` is at least `margin` canvas pixels inside the view. */
export function isInView(t: ViewTransform, p: Point, viewWidth: number, viewHeight: number, margin = 0): boolean {
  const c = imageToCanvasF(t, p);
  return c.x >= margin && c.y >= margin && c.x <= viewWidth - margin && c.y <= viewHeight - margin;
}

/** A transform showing image rectangle `r` (float bounds) with `padding` canvas pixels around it. */
export function fitRect(
  t: ViewTransform,
  r: { x0: number; y0: number; x1: number; y1: number },
  viewWidth: number,
  viewHeight: number,
  padding = 40,
  maxScale = MAX_SCALE,
): ViewTransform {
  const w = Math.max(1, r.x1 - r.x0);
  const h = Math.max(1, r.y1 - r.y0);
  const scale = Math.min(maxScale, Math.max(1e-3, Math.min((viewWidth - 2 * padding) / w, (viewHeight - 2 * padding) / h)));
  return centreOn(t, { x: (r.x0 + r.x1) / 2, y: (r.y0 + r.y1) / 2 }, viewWidth, viewHeight, scale);
}
