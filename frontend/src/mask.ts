/**
 * Region (SPL) tasks: the server sends an inconsistency mask PNG (non-zero =
 * to label). The mask is split into 4-connected segments; each segment is one
 * item of the labelling state machine and gets one class for all its pixels.
 */

import type { Point } from "./api";

export interface Segment {
  /** Pixel indices (y * width + x), ascending. */
  pixels: number[];
  /** A pixel inside the segment near its centroid: where the marker is drawn. */
  anchor: Point;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}

/** Binary mask from RGBA pixel data: a pixel is in the mask when alpha > 0 and any channel > 0. */
export function maskFromRGBA(data: ArrayLike<number>, width: number, height: number): Uint8Array {
  const n = width * height;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[4 * i] ?? 0;
    const g = data[4 * i + 1] ?? 0;
    const b = data[4 * i + 2] ?? 0;
    const a = data[4 * i + 3] ?? 0;
    mask[i] = a > 0 && (r > 0 || g > 0 || b > 0) ? 1 : 0;
  }
  return mask;
}

/** 4-connected components of a binary mask, in reading order of their first pixel. */
export function segmentMask(mask: ArrayLike<number>, width: number, height: number): Segment[] {
  const seen = new Uint8Array(width * height);
  const segments: Segment[] = [];
  const stack: number[] = [];
  for (let start = 0; start < width * height; start++) {
    if (!mask[start] || seen[start]) continue;
    const pixels: number[] = [];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop() as number;
      pixels.push(i);
      const x = i % width;
      const y = (i - x) / width;
      const neighbours = [
        x > 0 ? i - 1 : -1,
        x < width - 1 ? i + 1 : -1,
        y > 0 ? i - width : -1,
        y < height - 1 ? i + width : -1,
      ];
      for (const j of neighbours) {
        if (j >= 0 && mask[j] && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    pixels.sort((a, b) => a - b);
    segments.push(describe(pixels, width));
  }
  return segments;
}

function describe(pixels: number[], width: number): Segment {
  let sx = 0;
  let sy = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const i of pixels) {
    const x = i % width;
    const y = (i - x) / width;
    sx += x;
    sy += y;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const cx = sx / pixels.length;
  const cy = sy / pixels.length;
  // Anchor on a member pixel (a centroid can fall outside a concave segment).
  let anchor = 0;
  let best = Infinity;
  for (const i of pixels) {
    const x = i % width;
    const y = (i - x) / width;
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    if (d < best) {
      best = d;
      anchor = i;
    }
  }
  const ax = anchor % width;
  return { pixels, anchor: { x: ax, y: (anchor - ax) / width }, bbox: { x0, y0, x1, y1 } };
}
