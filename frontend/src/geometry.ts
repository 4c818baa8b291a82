/**
 * Coordinate transforms between image pixels and the canvas (CSS pixels).
 * Image pixel (x, y) covers [x, x+1) × [y, y+1); its centre is (x + 0.5, y + 0.5).
 */

import type { Point } from "./api";

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
