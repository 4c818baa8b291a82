/**
 * Colouring of the label/mask layer, one rectangle at a time (the dirty rect of
 * an edit): labelled pixels in their class colour, requested-but-unlabelled
 * pixels in a hatched highlight so what is left stands out, the rest clear.
 * Writes straight into an RGBA buffer for putImageData.
 */

import { IGNORE_INDEX } from "../api";
import { hexToRgb, UNSURE_COLOUR } from "../domain/colour";
import type { Rect } from "../domain/raster";

export type RGBA = readonly [number, number, number, number];

export interface OverlayStyle {
  /** 256 × RGBA: the colour of each label value (255 = unlabelled is ignored). */
  lut: Uint8Array;
  /** Colour of requested pixels that are still unlabelled. */
  todo: RGBA;
  /** Diagonal stripes (alternating `todo` and `todoAlt`) instead of a flat highlight. */
  hatch: boolean;
  todoAlt: RGBA;
}

/** Default highlight of what is left to label (see todoColour for the per-project choice). */
export const TODO_COLOUR: RGBA = [255, 0, 200, 210];
/** The dark stripe between highlight stripes: "caution tape", unlike any flat class colour. */
export const TODO_ALT: RGBA = [16, 16, 16, 170];
const TODO_CANDIDATES: readonly RGBA[] = [
  [255, 0, 200, 210],
  [255, 255, 0, 210],
  [0, 255, 255, 210],
  [0, 255, 0, 210],
  [255, 128, 0, 210],
];

/** The highlight colour farthest (in RGB) from every class colour, so "still to label" never looks like a class. */
export function todoColour(classes: readonly { colour: string }[]): RGBA {
  let best = TODO_CANDIDATES[0] ?? TODO_COLOUR;
  let bestD = -1;
  for (const c of TODO_CANDIDATES) {
    let d = Infinity;
    for (const k of classes) {
      const [r, g, b] = hexToRgb(k.colour);
      d = Math.min(d, (r - c[0]) ** 2 + (g - c[1]) ** 2 + (b - c[2]) ** 2);
    }
    if (d > bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
/** Point mode: the inconsistency mask, a soft cyan. */
export const MASK_COLOUR: RGBA = [0, 220, 255, 90];

/** Colours per class id; unknown ids grey, "unsure" (255) gets the unsure colour only if `withUnsure`. */
export function classLut(classes: readonly { id: number; colour: string }[], withUnsure = false): Uint8Array {
  const lut = new Uint8Array(256 * 4);
  for (let v = 0; v < 256; v++) lut.set([136, 136, 136, 255], v * 4);
  for (const c of classes) {
    if (c.id < 0 || c.id > 254) continue;
    const [r, g, b] = hexToRgb(c.colour);
    lut.set([r, g, b, 255], c.id * 4);
  }
  const [ur, ug, ub] = hexToRgb(UNSURE_COLOUR);
  lut.set(withUnsure ? [ur, ug, ub, 255] : [0, 0, 0, 0], IGNORE_INDEX * 4);
  return lut;
}

/**
 * Fills `out` (RGBA, (rect width × rect height) pixels) for image rectangle
 * `rect` of an image `width` pixels wide. `labels` may be null (nothing
 * labelled: point mode's mask view); `requested` may be null (no mask).
 */
export function renderOverlay(
  out: Uint8ClampedArray | Uint8Array,
  rect: Rect,
  width: number,
  labels: Uint8Array | null,
  requested: Uint8Array | null,
  style: OverlayStyle,
): void {
  const rw = rect.x1 - rect.x0;
  const { lut, todo, todoAlt, hatch } = style;
  let o = 0;
  for (let y = rect.y0; y < rect.y1; y++) {
    let i = y * width + rect.x0;
    for (let x = rect.x0; x < rect.x0 + rw; x++, i++, o += 4) {
      const v = labels ? (labels[i] as number) : IGNORE_INDEX;
      if (v !== IGNORE_INDEX) {
        const l = v * 4;
        out[o] = lut[l] as number;
        out[o + 1] = lut[l + 1] as number;
        out[o + 2] = lut[l + 2] as number;
        out[o + 3] = lut[l + 3] as number;
      } else if (requested && requested[i] !== 0) {
        const c = hatch && ((x + y) & 7) < 3 ? todoAlt : todo;
        out[o] = c[0];
        out[o + 1] = c[1];
        out[o + 2] = c[2];
        out[o + 3] = c[3];
      } else {
        out[o] = 0;
        out[o + 1] = 0;
        out[o + 2] = 0;
        out[o + 3] = 0;
      }
    }
  }
}

/** A full-image RGBA rendering of a label map (dataset browser): class colours, 255 clear. */
export function renderLabelMap(labels: Uint8Array, lut: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(labels.length * 4);
  for (let i = 0; i < labels.length; i++) {
    const l = (labels[i] as number) * 4;
    out[i * 4] = lut[l] as number;
    out[i * 4 + 1] = lut[l + 1] as number;
    out[i * 4 + 2] = lut[l + 2] as number;
    out[i * 4 + 3] = lut[l + 3] as number;
  }
  return out;
}
