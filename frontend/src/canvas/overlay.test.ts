import { describe, expect, it } from "vitest";
import { classLut, renderLabelMap, renderOverlay, TODO_ALT, TODO_COLOUR, todoColour, type OverlayStyle } from "./overlay";

const classes = [
  { id: 0, colour: "#ff0000" },
  { id: 1, colour: "#00ff00" },
];

function px(buf: ArrayLike<number>, i: number): number[] {
  return [buf[i * 4], buf[i * 4 + 1], buf[i * 4 + 2], buf[i * 4 + 3]] as number[];
}

describe("classLut", () => {
  it("maps class ids to opaque colours and 255 to clear (or the unsure grey)", () => {
    const lut = classLut(classes);
    expect(px(lut, 0)).toEqual([255, 0, 0, 255]);
    expect(px(lut, 1)).toEqual([0, 255, 0, 255]);
    expect(px(lut, 7)).toEqual([136, 136, 136, 255]);
    expect(px(lut, 255)).toEqual([0, 0, 0, 0]);
    expect(px(classLut(classes, true), 255)[3]).toBe(255);
  });
});

describe("renderOverlay", () => {
  const style: OverlayStyle = { lut: classLut(classes), todo: TODO_COLOUR, todoAlt: TODO_ALT, hatch: false };

  it("colours labelled pixels, highlights unlabelled requested pixels, clears the rest", () => {
    // 4×2 image; render the rect x 1..4, y 0..2 (3×2 pixels).
    const labels = new Uint8Array([255, 0, 255, 255, 255, 255, 1, 255]);
    const requested = new Uint8Array([1, 1, 1, 0, 0, 1, 1, 0]);
    const out = new Uint8ClampedArray(3 * 2 * 4);
    renderOverlay(out, { x0: 1, y0: 0, x1: 4, y1: 2 }, 4, labels, requested, style);
    expect(px(out, 0)).toEqual([255, 0, 0, 255]); // (1,0) class 0
    expect(px(out, 1)).toEqual([...TODO_COLOUR]); // (2,0) requested, unlabelled
    expect(px(out, 2)).toEqual([0, 0, 0, 0]); // (3,0) not requested
    expect(px(out, 3)).toEqual([...TODO_COLOUR]); // (1,1)
    expect(px(out, 4)).toEqual([0, 255, 0, 255]); // (2,1) class 1
    expect(px(out, 5)).toEqual([0, 0, 0, 0]);
  });

  it("hatches in image coordinates, so partial redraws line up", () => {
    const w = 16;
    const requested = new Uint8Array(w).fill(1);
    const full = new Uint8ClampedArray(w * 4);
    renderOverlay(full, { x0: 0, y0: 0, x1: w, y1: 1 }, w, null, requested, { ...style, hatch: true });
    const part = new Uint8ClampedArray(5 * 4);
    renderOverlay(part, { x0: 6, y0: 0, x1: 11, y1: 1 }, w, null, requested, { ...style, hatch: true });
    expect(Array.from(part)).toEqual(Array.from(full.slice(6 * 4, 11 * 4)));
    expect(px(full, 0)).toEqual([...TODO_ALT]);
    expect(px(full, 3)).toEqual([...TODO_COLOUR]);
  });

  it("renders whole label maps for the dataset browser", () => {
    const out = renderLabelMap(new Uint8Array([1, 255]), classLut(classes));
    expect(Array.from(out)).toEqual([0, 255, 0, 255, 0, 0, 0, 0]);
  });

  it("picks a highlight colour unlike every class colour", () => {
    const cityscapesLike = [
      { colour: "#804080" },
      { colour: "#f423e8" }, // magenta sidewalk: the default highlight would clash
      { colour: "#6b8e23" },
      { colour: "#4682b4" },
    ];
    expect(todoColour(cityscapesLike).slice(0, 3)).toEqual([255, 255, 0]);
    expect(todoColour([{ colour: "#ffff00" }, { colour: "#00ffff" }, { colour: "#00ff00" }]).slice(0, 3)).toEqual([255, 0, 200]);
    expect(todoColour([])).toEqual(TODO_COLOUR);
  });
});
