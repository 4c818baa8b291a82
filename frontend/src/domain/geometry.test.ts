import { describe, expect, it } from "vitest";
import { canvasToImage, fitTransform, hitTest, imageToCanvas, loupeRect } from "./geometry";

describe("fitTransform", () => {
  it("fits a wide image by width and centres it vertically", () => {
    const t = fitTransform(256, 192, 1024, 1000);
    expect(t.scale).toBe(4);
    expect(t.offsetX).toBe(0);
    expect(t.offsetY).toBe((1000 - 768) / 2);
  });

  it("fits a tall view by height, with padding", () => {
    const t = fitTransform(100, 50, 1000, 120, 10);
    expect(t.scale).toBe(2);
    expect(t.offsetX).toBe(400);
    expect(t.offsetY).toBe(10);
  });

  it("never divides by zero", () => {
    const t = fitTransform(0, 0, 0, 0);
    expect(Number.isFinite(t.scale)).toBe(true);
  });
});

describe("image ↔ canvas", () => {
  const t = fitTransform(256, 192, 1024, 868); // scale 4, offsetY 50

  it("maps a pixel to its centre on the canvas", () => {
    expect(imageToCanvas(t, { x: 0, y: 0 })).toEqual({ x: 2, y: 52 });
    expect(imageToCanvas(t, { x: 10, y: 5 })).toEqual({ x: 42, y: 72 });
  });

  it("maps canvas positions back to the pixel that contains them", () => {
    expect(canvasToImage(t, { x: 42, y: 72 })).toEqual({ x: 10, y: 5 });
    expect(canvasToImage(t, { x: 40, y: 70 })).toEqual({ x: 10, y: 5 });
    expect(canvasToImage(t, { x: 43.99, y: 73.99 })).toEqual({ x: 10, y: 5 });
    expect(canvasToImage(t, { x: 44, y: 74 })).toEqual({ x: 11, y: 6 });
  });

  it("round-trips every pixel at a fractional scale", () => {
    const f = fitTransform(37, 23, 613, 401, 7);
    for (let y = 0; y < 23; y++) {
      for (let x = 0; x < 37; x++) {
        expect(canvasToImage(f, imageToCanvas(f, { x, y }))).toEqual({ x, y });
      }
    }
  });

  it("returns null outside the image", () => {
    expect(canvasToImage(t, { x: 10, y: 10 })).toBeNull();
    expect(canvasToImage(t, { x: 1024, y: 100 })).toBeNull();
    expect(canvasToImage(t, { x: -1, y: 100 })).toBeNull();
  });
});

describe("hitTest", () => {
  const t = fitTransform(100, 100, 400, 400); // scale 4
  const pts = [
    { x: 10, y: 10 },
    { x: 12, y: 10 },
    { x: 50, y: 50 },
  ];
  it("returns the nearest point within the radius", () => {
    expect(hitTest(t, pts, { x: 43, y: 42 }, 10)).toBe(0);
    expect(hitTest(t, pts, { x: 49, y: 42 }, 10)).toBe(1);
    expect(hitTest(t, pts, { x: 202, y: 202 }, 10)).toBe(2);
  });
  it("returns null when nothing is close", () => {
    expect(hitTest(t, pts, { x: 300, y: 300 }, 10)).toBeNull();
    expect(hitTest(t, [], { x: 0, y: 0 }, 10)).toBeNull();
  });
});

describe("loupeRect", () => {
  it("centres on the point", () => {
    expect(loupeRect(100, 100, { x: 50, y: 50 }, 21)).toEqual({ x: 40, y: 40, w: 21, h: 21 });
  });
  it("stays inside the image at the borders", () => {
    expect(loupeRect(100, 80, { x: 0, y: 79 }, 21)).toEqual({ x: 0, y: 59, w: 21, h: 21 });
    expect(loupeRect(10, 8, { x: 5, y: 5 }, 21)).toEqual({ x: 0, y: 0, w: 10, h: 8 });
  });
});
