import { describe, expect, it } from "vitest";
import { maskFromRGBA, segmentMask } from "./mask";

/** Mask from rows of "." (out) and "#" (in). */
function parse(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0]?.length ?? 0;
  const mask = new Uint8Array(w * h);
  rows.forEach((r, y) => {
    for (let x = 0; x < r.length; x++) mask[y * w + x] = r.charAt(x) === "#" ? 1 : 0;
  });
  return { mask, w, h };
}

describe("segmentMask", () => {
  it("finds 4-connected segments in reading order", () => {
    const { mask, w, h } = parse([
      "##..#", //
      "#...#",
      "..#..",
      ".#...",
    ]);
    const segs = segmentMask(mask, w, h);
    expect(segs.map((s) => s.pixels)).toEqual([[0, 1, 5], [4, 9], [12], [16]]);
    expect(segs[0]?.bbox).toEqual({ x0: 0, y0: 0, x1: 1, y1: 1 });
  });

  it("does not connect diagonals", () => {
    const { mask, w, h } = parse(["#.", ".#"]);
    expect(segmentMask(mask, w, h)).toHaveLength(2);
  });

  it("anchors inside concave segments", () => {
    const { mask, w, h } = parse([
      "#####", //
      "#....",
      "#....",
      "#....",
      "#####",
    ]);
    const [seg] = segmentMask(mask, w, h);
    expect(seg).toBeDefined();
    const a = seg?.anchor ?? { x: -1, y: -1 };
    expect(mask[a.y * w + a.x]).toBe(1);
  });

  it("handles an empty mask", () => {
    expect(segmentMask(new Uint8Array(6), 3, 2)).toEqual([]);
  });

  it("handles a large segment without recursion limits", () => {
    const w = 600;
    const h = 400;
    const segs = segmentMask(new Uint8Array(w * h).fill(1), w, h);
    expect(segs).toHaveLength(1);
    expect(segs[0]?.pixels).toHaveLength(w * h);
  });
});

describe("maskFromRGBA", () => {
  it("treats non-black, non-transparent pixels as mask", () => {
    const data = [
      0, 0, 0, 255, // black → out
      255, 255, 255, 255, // white → in
      1, 1, 1, 255, // value 1 (0/1 masks) → in
      255, 0, 0, 0, // transparent → out
    ];
    expect([...maskFromRGBA(data, 2, 2)]).toEqual([0, 1, 1, 0]);
  });
});
