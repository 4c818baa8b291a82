/**
 * Draws the annotation view on two stacked canvases:
 *  - base: the image and the label/mask layer (an offscreen canvas at image
 *    resolution) composited with the overlay opacity; redrawn whole only on
 *    zoom, pan, resize or opacity changes, otherwise only the dirty rectangle
 *    (clipped to whole device pixels);
 *  - ui: markers, cursor and highlights, cleared and redrawn when asked.
 * At most one frame per animation frame, and none while nothing changed.
 */

import {
  clampPan,
  centreOn,
  fitRect,
  fitTransform,
  imageRectToDevice,
  MAX_SCALE,
  panBy,
  visibleImageRect,
  zoomAt,
  type ViewTransform,
} from "../domain/geometry";
import type { Point } from "../api";
import { clipRect, EMPTY_RECT, isEmptyRect, unionRect, type Rect } from "../domain/raster";

/** A drag that draws (region mode), in image coordinates; see components/Viewport. */
export interface StrokeHandlers {
  begin: (p: Point, e: PointerEvent) => void;
  move: (p: Point, e: PointerEvent) => void;
  end: () => void;
}

export const STAGE_BACKGROUND = "#15181d";
const FIT_PADDING = 16;
const CONTROLS_HEIGHT = 56;

export class ViewRenderer {
  private base: HTMLCanvasElement | null = null;
  private ui: HTMLCanvasElement | null = null;
  private image: CanvasImageSource | null = null;
  private overlay: HTMLCanvasElement | null = null;
  private imageW = 1;
  private imageH = 1;
  private viewW = 0;
  private viewH = 0;
  private dpr = 1;
  private t: ViewTransform = fitTransform(1, 1, 1, 1);
  private fitted = false;
  private dirtyAll = true;
  private dirtyRect: Rect = EMPTY_RECT;
  private uiDirty = true;
  private raf = 0;

  opacity = 0.6;
  overlayVisible = true;
  /** Called at the start of every frame (e.g. to push label edits into the overlay layer). */
  beforeFrame: (() => void) | null = null;
  drawUi: ((ctx: CanvasRenderingContext2D, t: ViewTransform) => void) | null = null;
  onTransform: ((t: ViewTransform) => void) | null = null;

  /** New canvases (the view remounts between tasks) start at the browser's 300×150: forget
   * the last view size so the next `resize` sizes them even when the view kept its size. */
  attach(base: HTMLCanvasElement, ui: HTMLCanvasElement): void {
    this.base = base;
    this.ui = ui;
    this.viewW = 0;
    this.viewH = 0;
    this.invalidateAll();
  }

  detach(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.base = null;
    this.ui = null;
  }

  setContent(image: CanvasImageSource, width: number, height: number, overlay: HTMLCanvasElement | null): void {
    this.image = image;
    this.overlay = overlay;
    if (width !== this.imageW || height !== this.imageH) this.fitted = false;
    this.imageW = width;
    this.imageH = height;
    this.fitted = false;
    this.fitIfSized();
    this.invalidateAll();
  }

  resize(width: number, height: number): void {
    if (width === this.viewW && height === this.viewH) return;
    const hadSize = this.viewW > 0 && this.viewH > 0;
    // Keep the image point at the centre of the view where it was.
    const centre = hadSize ? { x: (this.viewW / 2 - this.t.offsetX) / this.t.scale, y: (this.viewH / 2 - this.t.offsetY) / this.t.scale } : null;
    this.viewW = width;
    this.viewH = height;
    this.dpr = window.devicePixelRatio || 1;
    for (const c of [this.base, this.ui]) {
      if (!c) continue;
      c.width = Math.max(1, Math.round(width * this.dpr));
      c.height = Math.max(1, Math.round(height * this.dpr));
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    if (!this.fitted) this.fitIfSized();
    else if (centre) this.setTransform(centreOn(this.t, centre, width, height));
    this.invalidateAll();
  }

  private fitIfSized(): void {
    if (this.viewW > 0 && this.viewH > 0) {
      this.fitted = true;
      this.setTransform(this.fitTransform());
    }
  }

  get transform(): ViewTransform {
    return this.t;
  }

  get viewSize(): { width: number; height: number } {
    return { width: this.viewW, height: this.viewH };
  }

  /** The whole image in view, clear of the floating controls at the bottom. */
  fitTransform(): ViewTransform {
    return fitTransform(this.imageW, this.imageH, this.viewW, Math.max(1, this.viewH - CONTROLS_HEIGHT), FIT_PADDING);
  }

  get minScale(): number {
    return Math.min(this.fitTransform().scale * 0.5, 1);
  }

  setTransform(t: ViewTransform): void {
    const scale = Math.min(MAX_SCALE, Math.max(this.minScale, t.scale));
    const next = clampPan({ ...t, scale, imageWidth: this.imageW, imageHeight: this.imageH }, this.viewW, this.viewH);
    const same = next.scale === this.t.scale && next.offsetX === this.t.offsetX && next.offsetY === this.t.offsetY;
    this.t = next;
    if (same) return;
    this.invalidateAll();
    this.onTransform?.(next);
  }

  fit(): void {
    this.setTransform(this.fitTransform());
  }

  focus(p: Point, scale: number): void {
    this.setTransform(centreOn(this.t, p, this.viewW, this.viewH, scale));
  }

  showRect(r: Rect, maxScale = MAX_SCALE): void {
    this.setTransform(fitRect(this.t, r, this.viewW, this.viewH, 60, maxScale));
  }

  zoomAt(factor: number, anchor?: Point): void {
    this.setTransform(zoomAt(this.t, factor, anchor ?? { x: this.viewW / 2, y: this.viewH / 2 }, this.minScale));
  }

  panBy(dx: number, dy: number): void {
    this.setTransform(panBy(this.t, dx, dy));
  }

  setOpacity(opacity: number, visible: boolean): void {
    if (opacity === this.opacity && visible === this.overlayVisible) return;
    this.opacity = opacity;
    this.overlayVisible = visible;
    this.invalidateAll();
  }

  invalidateAll(): void {
    this.dirtyAll = true;
    this.uiDirty = true;
    this.schedule();
  }

  /** Image rectangle whose pixels changed. */
  invalidate(r: Rect): void {
    if (isEmptyRect(r)) return;
    this.dirtyRect = unionRect(this.dirtyRect, r);
    this.schedule();
  }

  invalidateUi(): void {
    this.uiDirty = true;
    this.schedule();
  }

  /** Asks for a frame even if nothing is known to be dirty yet (beforeFrame may find work). */
  requestFrame(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.raf || !this.base) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.frame();
    });
  }

  /** Renders now (normally called from requestAnimationFrame). */
  frame(): void {
    this.beforeFrame?.();
    const base = this.base?.getContext("2d");
    if (base && this.image && this.viewW > 0) {
      if (this.dirtyAll) {
        this.drawBase(base, null);
      } else if (!isEmptyRect(this.dirtyRect)) {
        this.drawBase(base, clipRect(this.dirtyRect, this.imageW, this.imageH));
      }
    }
    this.dirtyAll = false;
    this.dirtyRect = EMPTY_RECT;
    const ui = this.ui?.getContext("2d");
    if (ui && this.uiDirty) {
      this.uiDirty = false;
      ui.setTransform(1, 0, 0, 1, 0, 0);
      ui.clearRect(0, 0, ui.canvas.width, ui.canvas.height);
      ui.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      this.drawUi?.(ui, this.t);
    }
  }

  private drawBase(ctx: CanvasRenderingContext2D, rect: Rect | null): void {
    const t = this.t;
    const dpr = this.dpr;
    const image = this.image;
    if (!image) return;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    let src: Rect;
    if (rect === null) {
      ctx.fillStyle = STAGE_BACKGROUND;
      ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      src = visibleImageRect(t, this.viewW, this.viewH);
    } else {
      const d = imageRectToDevice(t, rect, dpr, 1);
      ctx.beginPath();
      ctx.rect(d.x, d.y, d.w, d.h);
      ctx.clip();
      ctx.fillStyle = STAGE_BACKGROUND;
      ctx.fillRect(d.x, d.y, d.w, d.h);
      // A margin of source pixels so the clipped area never shows an edge of the source rect.
      src = clipRect({ x0: rect.x0 - 2, y0: rect.y0 - 2, x1: rect.x1 + 2, y1: rect.y1 + 2 }, this.imageW, this.imageH);
    }
    if (isEmptyRect(src)) {
      ctx.restore();
      return;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const smooth = t.scale < 1;
    ctx.imageSmoothingEnabled = smooth;
    if (smooth) ctx.imageSmoothingQuality = "medium";
    const sw = src.x1 - src.x0;
    const sh = src.y1 - src.y0;
    const dx = t.offsetX + src.x0 * t.scale;
    const dy = t.offsetY + src.y0 * t.scale;
    const dw = sw * t.scale;
    const dh = sh * t.scale;
    const sx = imageScale(image, this.imageW, this.imageH);
    ctx.drawImage(image, src.x0 * sx.x, src.y0 * sx.y, sw * sx.x, sh * sx.y, dx, dy, dw, dh);
    if (this.overlay && this.overlayVisible && this.opacity > 0) {
      ctx.globalAlpha = this.opacity;
      ctx.drawImage(this.overlay, src.x0, src.y0, sw, sh, dx, dy, dw, dh);
      ctx.globalAlpha = 1;
    }
    ctx.restore();
  }
}

/** Source pixels per task pixel, for images delivered at another size than the task's. */
function imageScale(image: CanvasImageSource, w: number, h: number): { x: number; y: number } {
  const iw = "naturalWidth" in image ? image.naturalWidth : "width" in image ? Number(image.width) : w;
  const ih = "naturalHeight" in image ? image.naturalHeight : "height" in image ? Number(image.height) : h;
  return { x: iw > 0 ? iw / w : 1, y: ih > 0 ? ih / h : 1 };
}

/** The image-resolution overlay canvas and its partial updates. */
export class OverlayLayer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) throw new Error("Canvas 2D is not available.");
    this.ctx = ctx;
  }

  /** Redraws image rect `r` with `paint` filling its RGBA pixels. */
  update(r: Rect, paint: (out: Uint8ClampedArray, rect: Rect) => void): void {
    const c = clipRect(r, this.width, this.height);
    if (isEmptyRect(c)) return;
    const img = this.ctx.createImageData(c.x1 - c.x0, c.y1 - c.y0);
    paint(img.data, c);
    this.ctx.putImageData(img, c.x0, c.y0);
  }
}
