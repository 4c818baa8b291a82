/**
 * The label layer of a region task as flat typed arrays: one byte per image
 * pixel (class id, 255 = unlabelled), the task's requested-pixel mask and its
 * 4-connected segments. Brush, eraser and segment fill write only requested
 * pixels (the server masks the rest anyway) and report the dirty rectangle, so
 * the view redraws only that; every edit is recorded as a compact patch for
 * undo/redo. No objects per stroke or per pixel.
 */

import { IGNORE_INDEX } from "../api";

/** Half-open pixel rectangle [x0, x1) × [y0, y1). Empty when x1 <= x0 or y1 <= y0. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const EMPTY_RECT: Rect = { x0: 0, y0: 0, x1: 0, y1: 0 };

export function isEmptyRect(r: Rect): boolean {
  return r.x1 <= r.x0 || r.y1 <= r.y0;
}

export function unionRect(a: Rect, b: Rect): Rect {
  if (isEmptyRect(a)) return b;
  if (isEmptyRect(b)) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

export function clipRect(r: Rect, width: number, height: number): Rect {
  const c = { x0: Math.max(0, r.x0), y0: Math.max(0, r.y0), x1: Math.min(width, r.x1), y1: Math.min(height, r.y1) };
  return isEmptyRect(c) ? EMPTY_RECT : c;
}

export function rectArea(r: Rect): number {
  return isEmptyRect(r) ? 0 : (r.x1 - r.x0) * (r.y1 - r.y0);
}

/** One undoable edit: the pixels it changed, with their values before and after. */
export interface Patch {
  indices: Uint32Array;
  before: Uint8Array;
  after: Uint8Array;
  rect: Rect;
}

export function patchBytes(p: Patch): number {
  return p.indices.byteLength + p.before.byteLength + p.after.byteLength;
}

export interface Components {
  /** Component id per pixel, -1 where the mask is 0. */
  ids: Int32Array;
  count: number;
  sizes: Uint32Array;
  boxes: Rect[];
}

/** 4-connected components of the non-zero pixels, numbered in reading order of their first pixel. */
export function labelComponents(mask: Uint8Array, width: number, height: number): Components {
  const n = width * height;
  const ids = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const sizes: number[] = [];
  const boxes: Rect[] = [];
  let count = 0;
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0 || ids[start] !== -1) continue;
    const id = count++;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    ids[start] = id;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    while (head < tail) {
      const i = queue[head++] as number;
      const x = i % width;
      const y = (i - x) / width;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
      if (x > 0 && mask[i - 1] !== 0 && ids[i - 1] === -1) {
        ids[i - 1] = id;
        queue[tail++] = i - 1;
      }
      if (x < width - 1 && mask[i + 1] !== 0 && ids[i + 1] === -1) {
        ids[i + 1] = id;
        queue[tail++] = i + 1;
      }
      if (y > 0 && mask[i - width] !== 0 && ids[i - width] === -1) {
        ids[i - width] = id;
        queue[tail++] = i - width;
      }
      if (y < height - 1 && mask[i + width] !== 0 && ids[i + width] === -1) {
        ids[i + width] = id;
        queue[tail++] = i + width;
      }
    }
    sizes.push(tail);
    boxes.push({ x0, y0, x1, y1 });
  }
  return { ids, count, sizes: Uint32Array.from(sizes), boxes };
}

const UNLABELLED = IGNORE_INDEX;

export class LabelRaster {
  readonly width: number;
  readonly height: number;
  /** Class id per pixel; 255 = unlabelled. */
  readonly labels: Uint8Array;
  /** 1 where the task asks for a label. */
  readonly requested: Uint8Array;
  readonly components: Components;
  readonly requestedCount: number;
  private labelledRequested = 0;
  /** Labelled pixels per component, for "what is left" and "next unlabelled segment". */
  private readonly labelledPerComponent: Uint32Array;

  // Patch recording: a generation stamp per pixel marks pixels already saved in this edit.
  private readonly stamp: Uint32Array;
  private generation = 0;
  private recording = false;
  private recIndices = new Uint32Array(1024);
  private recBefore = new Uint8Array(1024);
  private recCount = 0;
  private recRect: Rect = EMPTY_RECT;

  constructor(width: number, height: number, requested: Uint8Array, labels?: Uint8Array) {
    const n = width * height;
    if (requested.length !== n) throw new Error(`mask has ${requested.length} pixels, expected ${n}`);
    this.width = width;
    this.height = height;
    this.requested = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (requested[i] !== 0) {
        this.requested[i] = 1;
        count++;
      }
    }
    this.requestedCount = count;
    this.labels = new Uint8Array(n).fill(UNLABELLED);
    this.components = labelComponents(this.requested, width, height);
    this.labelledPerComponent = new Uint32Array(this.components.count);
    this.stamp = new Uint32Array(n);
    if (labels) this.load(labels);
  }

  /** Replaces all labels (e.g. from a draft); values outside requested pixels are dropped. */
  load(labels: Uint8Array): void {
    if (labels.length !== this.labels.length) throw new Error("label map size mismatch");
    this.labels.fill(UNLABELLED);
    this.labelledPerComponent.fill(0);
    this.labelledRequested = 0;
    const ids = this.components.ids;
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i] as number;
      if (v !== UNLABELLED && this.requested[i]) {
        this.labels[i] = v;
        this.labelledRequested++;
        const c = ids[i] as number;
        this.labelledPerComponent[c] = (this.labelledPerComponent[c] as number) + 1;
      }
    }
  }

  get labelledCount(): number {
    return this.labelledRequested;
  }

  get unlabelledCount(): number {
    return this.requestedCount - this.labelledRequested;
  }

  isRequested(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height && this.requested[y * this.width + x] === 1;
  }

  componentAt(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return -1;
    return this.components.ids[y * this.width + x] as number;
  }

  componentUnlabelled(id: number): number {
    return (this.components.sizes[id] ?? 0) - (this.labelledPerComponent[id] ?? 0);
  }

  /** The first component after `after` (wrapping) with unlabelled pixels, or null. */
  nextUnlabelledComponent(after = -1): number | null {
    const n = this.components.count;
    for (let step = 1; step <= n; step++) {
      const id = (((after + step) % n) + n) % n;
      if (this.componentUnlabelled(id) > 0) return id;
    }
    return null;
  }

  // --- editing -----------------------------------------------------------------

  /** Starts recording an undoable edit (a stroke, a fill). */
  begin(): void {
    this.recording = true;
    this.recCount = 0;
    this.recRect = EMPTY_RECT;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }

  /** Ends the edit: its patch, or null when nothing changed. */
  end(): Patch | null {
    this.recording = false;
    let kept = 0;
    const idx = new Uint32Array(this.recCount);
    const before = new Uint8Array(this.recCount);
    const after = new Uint8Array(this.recCount);
    for (let k = 0; k < this.recCount; k++) {
      const i = this.recIndices[k] as number;
      const b = this.recBefore[k] as number;
      const a = this.labels[i] as number;
      if (a === b) continue;
      idx[kept] = i;
      before[kept] = b;
      after[kept] = a;
      kept++;
    }
    const rect = this.recRect;
    this.recCount = 0;
    if (kept === 0) return null;
    return { indices: idx.slice(0, kept), before: before.slice(0, kept), after: after.slice(0, kept), rect };
  }

  private set(i: number, value: number): void {
    const old = this.labels[i] as number;
    if (old === value) return;
    if (this.recording && this.stamp[i] !== this.generation) {
      this.stamp[i] = this.generation;
      if (this.recCount === this.recIndices.length) {
        const grow = this.recIndices.length * 2;
        const ni = new Uint32Array(grow);
        ni.set(this.recIndices);
        this.recIndices = ni;
        const nb = new Uint8Array(grow);
        nb.set(this.recBefore);
        this.recBefore = nb;
      }
      this.recIndices[this.recCount] = i;
      this.recBefore[this.recCount] = old;
      this.recCount++;
    }
    this.labels[i] = value;
    const comp = this.components.ids[i] as number;
    if (old === UNLABELLED) {
      this.labelledRequested++;
      if (comp >= 0) this.labelledPerComponent[comp] = (this.labelledPerComponent[comp] as number) + 1;
    } else if (value === UNLABELLED) {
      this.labelledRequested--;
      if (comp >= 0) this.labelledPerComponent[comp] = (this.labelledPerComponent[comp] as number) - 1;
    }
  }

  private touched(r: Rect): Rect {
    if (!isEmptyRect(r)) this.recRect = unionRect(this.recRect, r);
    return r;
  }

  /**
   * A round brush stroke from (ax, ay) to (bx, by) in image coordinates
   * (floats; pixel (x, y) covers [x, x+1)): every requested pixel whose centre
   * lies within `radius` of the segment gets `value` (255 erases). Returns the
   * dirty rectangle (pixels that changed lie inside it).
   */
  paintLine(ax: number, ay: number, bx: number, by: number, radius: number, value: number): Rect {
    const r = Math.max(0.5, radius);
    const bbox = clipRect(
      {
        x0: Math.floor(Math.min(ax, bx) - r),
        y0: Math.floor(Math.min(ay, by) - r),
        x1: Math.ceil(Math.max(ax, bx) + r) + 1,
        y1: Math.ceil(Math.max(ay, by) + r) + 1,
      },
      this.width,
      this.height,
    );
    if (isEmptyRect(bbox)) return EMPTY_RECT;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const r2 = r * r;
    let x0 = this.width;
    let y0 = this.height;
    let x1 = 0;
    let y1 = 0;
    const w = this.width;
    // The pixels under the two ends always count, however small the brush.
    const endA = this.indexAt(ax, ay);
    const endB = this.indexAt(bx, by);
    for (let y = bbox.y0; y < bbox.y1; y++) {
      const py = y + 0.5;
      const row = y * w;
      for (let x = bbox.x0; x < bbox.x1; x++) {
        const i = row + x;
        if (this.requested[i] === 0) continue;
        const px = x + 0.5;
        let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const qx = px - (ax + t * dx);
        const qy = py - (ay + t * dy);
        if (qx * qx + qy * qy > r2 && i !== endA && i !== endB) continue;
        if (this.labels[i] === value) continue;
        this.set(i, value);
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y >= y1) y1 = y + 1;
      }
    }
    return this.touched(x1 > x0 ? { x0, y0, x1, y1 } : EMPTY_RECT);
  }

  /** Index of the pixel containing (x, y), or -1 outside the image. */
  indexAt(x: number, y: number): number {
    const px = Math.floor(x);
    const py = Math.floor(y);
    return px >= 0 && py >= 0 && px < this.width && py < this.height ? py * this.width + px : -1;
  }

  /** A single dab of the brush at (x, y). */
  paintDisc(x: number, y: number, radius: number, value: number): Rect {
    return this.paintLine(x, y, x, y, radius, value);
  }

  /** Gives every pixel of segment `id` the value. */
  fillComponent(id: number, value: number): Rect {
    const box = this.components.boxes[id];
    if (!box) return EMPTY_RECT;
    const ids = this.components.ids;
    let changed = false;
    for (let y = box.y0; y < box.y1; y++) {
      for (let i = y * this.width + box.x0, end = y * this.width + box.x1; i < end; i++) {
        if (ids[i] === id && this.labels[i] !== value) {
          this.set(i, value);
          changed = true;
        }
      }
    }
    return this.touched(changed ? box : EMPTY_RECT);
  }

  /** The segment under (x, y) gets the value; EMPTY_RECT when (x, y) is not a requested pixel. */
  fillAt(x: number, y: number, value: number): Rect {
    const id = this.componentAt(Math.floor(x), Math.floor(y));
    return id < 0 ? EMPTY_RECT : this.fillComponent(id, value);
  }

  /**
   * Copies a prediction (class id per pixel) into requested pixels: only the
   * unlabelled ones unless `overwrite`. Values that are not valid class ids
   * are skipped.
   */
  fillFrom(prediction: Uint8Array, validIds: ReadonlySet<number>, overwrite = false): Rect {
    if (prediction.length !== this.labels.length) throw new Error("prediction size mismatch");
    let x0 = this.width;
    let y0 = this.height;
    let x1 = 0;
    let y1 = 0;
    for (let i = 0; i < prediction.length; i++) {
      if (this.requested[i] === 0) continue;
      if (!overwrite && this.labels[i] !== UNLABELLED) continue;
      const v = prediction[i] as number;
      if (!validIds.has(v) || this.labels[i] === v) continue;
      this.set(i, v);
      const x = i % this.width;
      const y = (i - x) / this.width;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
    }
    return this.touched(x1 > x0 ? { x0, y0, x1, y1 } : EMPTY_RECT);
  }

  /** Applies a patch backwards (undo) or forwards (redo); returns its rectangle. */
  apply(patch: Patch, direction: "undo" | "redo"): Rect {
    const values = direction === "undo" ? patch.before : patch.after;
    for (let k = 0; k < patch.indices.length; k++) this.set(patch.indices[k] as number, values[k] as number);
    return patch.rect;
  }
}
