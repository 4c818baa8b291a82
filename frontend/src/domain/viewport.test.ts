import { describe, expect, it } from "vitest";
import {
  canvasToImageF,
  centreOn,
  clampPan,
  closeUpScale,
  fitRect,
  fitTransform,
  focusScale,
  imageRectToDevice,
  imageToCanvasF,
  isInView,
  panBy,
  visibleImageRect,
  zoomAt,
  type ViewTransform,
} from "./geometry";

const base: ViewTransform = { scale: 2, offsetX: 10, offsetY: 20, imageWidth: 100, imageHeight: 50 };

describe("zoom and pan transforms", () => {
  it("zooms about the cursor: the image point under it stays put", () => {
    const anchor = { x: 70, y: 45 };
    const before = canvasToImageF(base, anchor);
    const t = zoomAt(base, 3, anchor, 0.1);
    expect(t.scale).toBe(6);
    const after = canvasToImageF(t, anchor);
    expect(after.x).toBeCloseTo(before.x, 10);
    expect(after.y).toBeCloseTo(before.y, 10);
  });

  it("clamps the zoom to its limits", () => {
    expect(zoomAt(base, 100, { x: 0, y: 0 }, 1, 16).scale).toBe(16);
    expect(zoomAt(base, 0.01, { x: 0, y: 0 }, 1, 16).scale).toBe(1);
  });

  it("pans and maps both ways", () => {
    const t = panBy(base, 5, -4);
    expect(t.offsetX).toBe(15);
    expect(t.offsetY).toBe(16);
    const p = { x: 12.25, y: 7.5 };
    const back = canvasToImageF(t, imageToCanvasF(t, p));
    expect(back.x).toBeCloseTo(p.x, 10);
    expect(back.y).toBeCloseTo(p.y, 10);
  });

  it("centres a point at a given scale", () => {
    const t = centreOn(base, { x: 30, y: 10 }, 400, 300, 4);
    expect(imageToCanvasF(t, { x: 30, y: 10 })).toEqual({ x: 200, y: 150 });
    expect(isInView(t, { x: 30, y: 10 }, 400, 300, 20)).toBe(true);
    expect(isInView(t, { x: 99, y: 10 }, 400, 300, 0)).toBe(false);
  });

  it("keeps part of the image in view when panned far away", () => {
    const far = panBy(base, 10_000, -10_000);
    const t = clampPan(far, 400, 300, 64);
    expect(t.offsetX).toBe(400 - 64);
    expect(t.offsetY).toBe(64 - 100); // image is 100 px tall on screen
    expect(clampPan(base, 400, 300)).toBe(base); // already fine: same object
  });

  it("lists the visible image pixels", () => {
    // scale 2, offset (10, 20): view 0..100 × 0..60 shows x in [-5, 45), y in [-10, 20).
    expect(visibleImageRect(base, 100, 60)).toEqual({ x0: 0, y0: 0, x1: 45, y1: 20 });
    expect(visibleImageRect(panBy(base, -1000, 0), 100, 60)).toEqual({ x0: 0, y0: 0, x1: 0, y1: 0 });
  });

  it("covers an image rect with whole device pixels for clipping", () => {
    const r = imageRectToDevice({ ...base, scale: 1.5 }, { x0: 1, y0: 1, x1: 3, y1: 2 }, 2, 1);
    // canvas x: 10 + 1.5 = 11.5 .. 14.5 → device 23 .. 29, padded → 22 .. 30
    expect(r).toEqual({ x: 22, y: 42, w: 8, h: 5 });
  });

  it("focus scale shows about `span` pixels but never less than the whole image", () => {
    const fit = fitTransform(2048, 1024, 1200, 700);
    expect(focusScale(fit, 1200, 700, 175)).toBeCloseTo(4, 10);
    const small = fitTransform(64, 48, 1200, 700);
    expect(focusScale(small, 1200, 700)).toBe(small.scale);
  });

  it("fits a rectangle with padding", () => {
    const t = fitRect(base, { x0: 10, y0: 10, x1: 30, y1: 20 }, 440, 240, 20);
    expect(t.scale).toBe(20);
    expect(imageToCanvasF(t, { x: 20, y: 15 })).toEqual({ x: 220, y: 120 });
  });
});

describe("closeUpScale", () => {
  it("fits a small box with its margin across the shorter side of the view", () => {
    // 600 px / (30 + 20) px = 12, under 8× the fit scale of 4; small boxes count as 20 px.
    expect(closeUpScale(4, 800, 600, { x0: 5, y0: 5, x1: 35, y1: 10 })).toBe(12);
    expect(closeUpScale(4, 800, 600, { x0: 5, y0: 5, x1: 6, y1: 6 })).toBe(15);
  });
  it("goes no closer than 8× the fit scale, nor further out than the fit", () => {
    expect(closeUpScale(1, 800, 600, { x0: 0, y0: 0, x1: 1, y1: 1 })).toBe(8);
    expect(closeUpScale(2, 800, 600, { x0: 0, y0: 0, x1: 500, y1: 400 })).toBe(2);
  });
});
