import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import { restorePointsDraft, restoreRegionDraft } from "../domain/draft";
import { base64ToBytes } from "../domain/png";
import { PointEditor } from "./pointEditor";
import { isEmptyRect } from "../domain/raster";
import { defaultBrushSize, RegionEditor, stepBrushSize } from "./regionEditor";

const pts = [
  { x: 1, y: 1 },
  { x: 2, y: 2 },
  { x: 3, y: 3 },
];

describe("PointEditor", () => {
  it("labels with auto-advance and tells listeners what changed", () => {
    const e = new PointEditor(pts);
    const changes: string[] = [];
    e.subscribe((c) => changes.push(c));
    e.label(2);
    e.unsure();
    expect(e.state.labels).toEqual([2, 255, null]);
    expect(e.current).toBe(2);
    e.prev();
    expect(changes).toEqual(["labels", "labels", "current"]);
    expect(e.done).toBe(2);
    expect(e.complete).toBe(false);
  });

  it("undoes and redoes labelling, not navigation", () => {
    const e = new PointEditor(pts);
    e.label(1);
    e.label(2);
    e.goto(0);
    expect(e.undo()).toBe(true);
    expect(e.state.labels).toEqual([1, null, null]);
    expect(e.current).toBe(1); // back on the point that was relabelled
    expect(e.undo()).toBe(true);
    expect(e.state.labels).toEqual([null, null, null]);
    expect(e.undo()).toBe(false);
    expect(e.redo()).toBe(true);
    expect(e.redo()).toBe(true);
    expect(e.state.labels).toEqual([1, 2, null]);
    expect(e.canRedo).toBe(false);
  });

  it("round-trips through its draft", () => {
    const e = new PointEditor(pts);
    e.label(0);
    e.goto(2);
    e.label(1);
    const draft = JSON.parse(JSON.stringify(e.draft(9.5))) as unknown;
    const back = new PointEditor(pts, restorePointsDraft(pts, draft, new Set([0, 1])));
    expect(back.state).toEqual(e.state);
    expect(e.submission()).toEqual([
      { x: 1, y: 1, class_id: 0 },
      { x: 3, y: 3, class_id: 1 },
    ]);
  });

  it("ignores a restored state of the wrong length", () => {
    expect(new PointEditor(pts, { labels: [1], current: 0 }).state.labels).toEqual([null, null, null]);
  });
});

describe("RegionEditor", () => {
  // 8×4 image; two requested segments: a 3×2 block at (1,1) and a column at x = 6.
  const w = 8;
  const h = 4;
  const mask = new Uint8Array(w * h);
  for (const [x, y] of [
    [1, 1],
    [2, 1],
    [3, 1],
    [1, 2],
    [2, 2],
    [3, 2],
    [6, 0],
    [6, 1],
    [6, 2],
    [6, 3],
  ] as const)
    mask[y * w + x] = 255;

  it("paints strokes with the active class and reports dirty rects once", () => {
    const e = new RegionEditor(w, h, mask, [0, 1, 2]);
    let edits = 0;
    e.subscribe((c) => c === "labels" && edits++);
    e.setActiveClass(2);
    e.setBrushSize(1);
    e.beginStroke(1.5, 1.5);
    e.moveStroke(3.5, 1.5);
    expect(edits).toBe(0); // nothing announced mid-stroke
    expect(e.takeDirty()).toEqual({ x0: 1, y0: 1, x1: 4, y1: 2 });
    expect(isEmptyRect(e.takeDirty())).toBe(true);
    e.endStroke();
    expect(edits).toBe(1);
    expect(e.unlabelled).toBe(7);
  });

  it("erases, fills segments, and undoes each edit as a whole", () => {
    const e = new RegionEditor(w, h, mask, [0, 1]);
    e.setActiveClass(1);
    expect(e.fillAt(2.2, 2.7)).toBe(true);
    expect(e.unlabelled).toBe(4);
    expect(e.fillAt(0.5, 0.5)).toBe(false); // not requested
    e.setTool("eraser");
    e.setBrushSize(1);
    e.beginStroke(2.5, 1.5);
    e.endStroke();
    expect(e.unlabelled).toBe(5);
    e.setActiveClass(0); // a class key while erasing returns to the brush
    expect(e.tool).toBe("brush");
    e.undo();
    expect(e.unlabelled).toBe(4);
    e.undo();
    expect(e.unlabelled).toBe(10);
    e.redo();
    expect(e.unlabelled).toBe(4);
  });

  it("pre-fills from the prediction without touching what was labelled", () => {
    const e = new RegionEditor(w, h, mask, [0, 1]);
    e.setActiveClass(0);
    e.fillAt(6, 0);
    const prediction = new Uint8Array(w * h).fill(1);
    expect(e.prefill(prediction, new Set([0, 1]))).toBe(6);
    expect(e.complete).toBe(true);
    expect(e.raster.labels[0 * w + 6]).toBe(0);
    expect(e.raster.labels[1 * w + 1]).toBe(1);
    e.undo();
    expect(e.unlabelled).toBe(6);
  });

  it("walks the unlabelled segments", () => {
    const e = new RegionEditor(w, h, mask, [0]);
    expect(e.nextUnlabelled(-1)?.box).toEqual({ x0: 6, y0: 0, x1: 7, y1: 4 });
    e.fillAt(6, 0);
    expect(e.nextUnlabelled(0)?.box).toEqual({ x0: 1, y0: 1, x1: 4, y1: 3 });
  });

  it("serialises a draft and the submission PNG; a restored draft redraws everything", async () => {
    const e = new RegionEditor(w, h, mask, [0, 1]);
    e.setActiveClass(1);
    e.fillAt(1, 1);
    const draft = JSON.parse(JSON.stringify(await e.draft(12))) as unknown;
    const restored = await restoreRegionDraft(draft, w, h);
    const back = new RegionEditor(w, h, mask, [0, 1], restored?.labels);
    expect(back.unlabelled).toBe(4);
    expect(back.takeDirty()).toEqual({ x0: 0, y0: 0, x1: w, y1: h });
    const png = decode(base64ToBytes(await e.regionPng()));
    expect(png.channels).toBe(1);
    expect(Array.from(png.data)).toEqual(Array.from(e.raster.labels));
    expect(png.data[0]).toBe(255);
    expect(png.data[1 * w + 2]).toBe(1);
  });

  it("sizes brushes sensibly", () => {
    expect(defaultBrushSize(2048, 1024)).toBe(34);
    expect(defaultBrushSize(64, 48)).toBe(2);
    expect(stepBrushSize(1, 1)).toBe(2);
    expect(stepBrushSize(20, 1)).toBe(25);
    expect(stepBrushSize(25, -1)).toBe(20);
    expect(stepBrushSize(1, -1)).toBe(1);
    expect(stepBrushSize(256, 1)).toBe(256);
  });
});
