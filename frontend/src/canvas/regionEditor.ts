/**
 * Region mode (SPL): brush, eraser and segment fill over the requested pixels
 * of a task, undo/redo, pre-fill from the model's prediction. Strokes write the
 * raster directly and accumulate a dirty rectangle that the view takes once per
 * frame (`takeDirty`), so a stroke costs no allocation per pointer event and no
 * re-render; listeners hear about edits only when one ends.
 */

import { IGNORE_INDEX, type DraftBody } from "../api";
import { regionDraft } from "../domain/draft";
import { UndoStack } from "../domain/history";
import type { Tool } from "../domain/keys";
import { bytesToBase64, encodeGrayPng } from "../domain/png";
import { EMPTY_RECT, isEmptyRect, LabelRaster, patchBytes, unionRect, type Patch, type Rect } from "../domain/raster";

export const MIN_BRUSH = 1;
export const MAX_BRUSH = 256;

/** A brush size that suits the image: about a thirtieth of its shorter side. */
export function defaultBrushSize(width: number, height: number): number {
  return Math.min(40, Math.max(2, Math.round(Math.min(width, height) / 30)));
}

/** The next brush size up or down: steps of ~25 %, at least 1 pixel. */
export function stepBrushSize(size: number, step: 1 | -1): number {
  const next = step > 0 ? Math.max(size + 1, Math.round(size * 1.25)) : Math.min(size - 1, Math.round(size / 1.25));
  return Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, next));
}

export type RegionChange = "labels" | "tool";

export class RegionEditor {
  readonly kind = "region" as const;
  readonly raster: LabelRaster;
  private readonly history = new UndoStack<Patch>(200, patchBytes, 128 * 1024 * 1024);
  private readonly listeners = new Set<(change: RegionChange) => void>();
  private dirty: Rect = EMPTY_RECT;
  private stroke: { x: number; y: number; value: number } | null = null;

  tool: Tool = "brush";
  brushSize: number;
  activeClass: number;
  /** Segment under the cursor (fill tool), -1 when none. */
  hoverSegment = -1;

  constructor(
    width: number,
    height: number,
    requested: Uint8Array,
    classIds: readonly number[],
    restored?: Uint8Array | null,
  ) {
    this.raster = new LabelRaster(width, height, requested, restored ?? undefined);
    this.brushSize = defaultBrushSize(width, height);
    this.activeClass = classIds[0] ?? 0;
    if (restored) this.dirty = { x0: 0, y0: 0, x1: width, y1: height };
  }

  get width(): number {
    return this.raster.width;
  }

  get height(): number {
    return this.raster.height;
  }

  get requested(): number {
    return this.raster.requestedCount;
  }

  get unlabelled(): number {
    return this.raster.unlabelledCount;
  }

  get complete(): boolean {
    return this.raster.unlabelledCount === 0;
  }

  get canUndo(): boolean {
    return this.history.canUndo;
  }

  get canRedo(): boolean {
    return this.history.canRedo;
  }

  get painting(): boolean {
    return this.stroke !== null;
  }

  subscribe(fn: (change: RegionChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(change: RegionChange): void {
    for (const fn of this.listeners) fn(change);
  }

  /** The image rectangle changed since the last call (then reset). */
  takeDirty(): Rect {
    const d = this.dirty;
    this.dirty = EMPTY_RECT;
    return d;
  }

  private mark(r: Rect): void {
    if (!isEmptyRect(r)) this.dirty = unionRect(this.dirty, r);
  }

  setTool(tool: Tool): void {
    if (this.tool === tool) return;
    this.tool = tool;
    this.emit("tool");
  }

  setBrushSize(size: number): void {
    const s = Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, Math.round(size)));
    if (s === this.brushSize) return;
    this.brushSize = s;
    this.emit("tool");
  }

  stepBrush(step: 1 | -1): void {
    this.setBrushSize(stepBrushSize(this.brushSize, step));
  }

  /** Picks the class to paint with; a class key while erasing goes back to the brush. */
  setActiveClass(classId: number): void {
    const toolChanged = this.tool === "eraser";
    if (toolChanged) this.tool = "brush";
    if (this.activeClass === classId && !toolChanged) return;
    this.activeClass = classId;
    this.emit("tool");
  }

  // --- edits ---------------------------------------------------------------------

  /** Starts a brush/eraser stroke at image point (x, y) (floats). `erase` forces the eraser. */
  beginStroke(x: number, y: number, erase = false): void {
    if (this.stroke) this.endStroke();
    const value = erase || this.tool === "eraser" ? IGNORE_INDEX : this.activeClass;
    this.raster.begin();
    this.stroke = { x, y, value };
    this.mark(this.raster.paintDisc(x, y, this.brushSize / 2, value));
  }

  moveStroke(x: number, y: number): void {
    const s = this.stroke;
    if (!s) return;
    this.mark(this.raster.paintLine(s.x, s.y, x, y, this.brushSize / 2, s.value));
    s.x = x;
    s.y = y;
  }

  endStroke(): void {
    if (!this.stroke) return;
    this.stroke = null;
    this.commit();
  }

  /** Labels the whole segment under (x, y); false when it is not a requested pixel. */
  fillAt(x: number, y: number, erase = false): boolean {
    if (this.stroke) this.endStroke();
    const id = this.raster.componentAt(Math.floor(x), Math.floor(y));
    if (id < 0) return false;
    this.raster.begin();
    this.mark(this.raster.fillComponent(id, erase || this.tool === "eraser" ? IGNORE_INDEX : this.activeClass));
    this.commit();
    return true;
  }

  /** Unlabelled requested pixels take the model's class. Returns how many pixels changed. */
  prefill(prediction: Uint8Array, validIds: ReadonlySet<number>): number {
    if (this.stroke) this.endStroke();
    const before = this.raster.labelledCount;
    this.raster.begin();
    this.mark(this.raster.fillFrom(prediction, validIds, false));
    this.commit();
    return this.raster.labelledCount - before;
  }

  private commit(): void {
    const patch = this.raster.end();
    if (patch) {
      this.history.push(patch);
      this.emit("labels");
    }
  }

  undo(): boolean {
    if (this.stroke) this.endStroke();
    const p = this.history.undo();
    if (!p) return false;
    this.mark(this.raster.apply(p, "undo"));
    this.emit("labels");
    return true;
  }

  redo(): boolean {
    if (this.stroke) this.endStroke();
    const p = this.history.redo();
    if (!p) return false;
    this.mark(this.raster.apply(p, "redo"));
    this.emit("labels");
    return true;
  }

  /** The next segment with unlabelled pixels after `after` (wrapping), and its box. */
  nextUnlabelled(after: number): { id: number; box: Rect } | null {
    const id = this.raster.nextUnlabelledComponent(after);
    if (id === null) return null;
    const box = this.raster.components.boxes[id];
    return box ? { id, box } : null;
  }

  setHover(x: number, y: number): boolean {
    const id = this.raster.componentAt(Math.floor(x), Math.floor(y));
    if (id === this.hoverSegment) return false;
    this.hoverSegment = id;
    return true;
  }

  draft(secondsSpent: number): Promise<DraftBody> {
    return regionDraft(this.raster.labels, this.width, this.height, secondsSpent, 0);
  }

  /** `region_png` for the submission: base64 one-channel PNG, 255 where unlabelled. */
  async regionPng(): Promise<string> {
    return bytesToBase64(await encodeGrayPng(this.raster.labels, this.width, this.height));
  }
}
