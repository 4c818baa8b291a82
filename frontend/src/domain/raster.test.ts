import { describe, expect, it } from "vitest";
import { UndoStack } from "./history";
import {
  clipRect,
  EMPTY_RECT,
  isEmptyRect,
  LabelRaster,
  labelComponents,
  patchBytes,
  rectArea,
  unionRect,
  type Patch,
} from "./raster";

/** A mask from rows of "#" (requested) and "." (not). */
function maskOf(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0]?.length ?? 0;
  const mask = new Uint8Array(w * h);
  rows.forEach((row, y) => {
    for (let x = 0; x < w; x++) mask[y * w + x] = row[x] === "#" ? 1 : 0;
  });
  return { mask, w, h };
}

/** Labels as rows: "." unlabelled, digits for classes. */
function show(r: LabelRaster): string[] {
  const out: string[] = [];
  for (let y = 0; y < r.height; y++) {
    let s = "";
    for (let x = 0; x < r.width; x++) {
      const v = r.labels[y * r.width + x] as number;
      s += v === 255 ? "." : String(v);
    }
    out.push(s);
  }
  return out;
}

describe("rects", () => {
  it("union, clip, area", () => {
    expect(unionRect(EMPTY_RECT, { x0: 1, y0: 1, x1: 2, y1: 3 })).toEqual({ x0: 1, y0: 1, x1: 2, y1: 3 });
    expect(unionRect({ x0: 0, y0: 5, x1: 2, y1: 6 }, { x0: 1, y0: 1, x1: 4, y1: 3 })).toEqual({ x0: 0, y0: 1, x1: 4, y1: 6 });
    expect(clipRect({ x0: -3, y0: -1, x1: 50, y1: 2 }, 10, 10)).toEqual({ x0: 0, y0: 0, x1: 10, y1: 2 });
    expect(isEmptyRect(clipRect({ x0: 12, y0: 0, x1: 15, y1: 2 }, 10, 10))).toBe(true);
    expect(rectArea({ x0: 1, y0: 1, x1: 4, y1: 3 })).toBe(6);
    expect(rectArea({ x0: 4, y0: 1, x1: 1, y1: 3 })).toBe(0);
  });
});

describe("labelComponents", () => {
  it("finds 4-connected segments with sizes and boxes", () => {
    const { mask, w, h } = maskOf([
      "##..#", //
      ".#..#",
      "...#.", // diagonal to the right column: a separate segment
      "##...",
    ]);
    const c = labelComponents(mask, w, h);
    expect(c.count).toBe(4);
    expect(Array.from(c.sizes)).toEqual([3, 2, 1, 2]);
    expect(c.boxes[0]).toEqual({ x0: 0, y0: 0, x1: 2, y1: 2 });
    expect(c.boxes[1]).toEqual({ x0: 4, y0: 0, x1: 5, y1: 2 });
    expect(c.boxes[3]).toEqual({ x0: 0, y0: 3, x1: 2, y1: 4 });
    expect(c.ids[2]).toBe(-1);
    expect(c.ids[2 * w + 3]).toBe(2);
  });

  it("handles a large blob without recursion", () => {
    const w = 1000;
    const h = 800;
    const c = labelComponents(new Uint8Array(w * h).fill(1), w, h);
    expect(c.count).toBe(1);
    expect(c.sizes[0]).toBe(w * h);
  });
});

describe("LabelRaster brush", () => {
  it("paints a disc of pixel centres within the radius, only on requested pixels", () => {
    const { mask, w, h } = maskOf([
      "#######", //
      "#######",
      "###.###",
      "#######",
      "#######",
    ]);
    const r = new LabelRaster(w, h, mask);
    expect(r.requestedCount).toBe(34);
    const dirty = r.paintDisc(3.5, 2.5, 1.2, 4);
    expect(show(r)).toEqual([".......", "...4...", "..4.4..", "...4...", "......."]);
    expect(dirty).toEqual({ x0: 2, y0: 1, x1: 5, y1: 4 });
    expect(r.labelledCount).toBe(4);
    expect(r.unlabelledCount).toBe(30);
  });

  it("strokes a capsule between two points and erases with 255", () => {
    const { mask, w, h } = maskOf(["##########", "##########", "##########"]);
    const r = new LabelRaster(w, h, mask);
    r.paintLine(1.5, 1.5, 8.5, 1.5, 0.5, 2);
    expect(show(r)).toEqual(["..........", ".22222222.", ".........."]);
    const dirty = r.paintLine(3.5, 1.5, 4.5, 1.5, 0.5, 255);
    expect(show(r)[1]).toBe(".22..2222.");
    expect(dirty).toEqual({ x0: 3, y0: 1, x1: 5, y1: 2 });
    expect(r.labelledCount).toBe(6);
  });

  it("always paints at least the pixel under a tiny brush and clips at the border", () => {
    const { mask, w, h } = maskOf(["###", "###"]);
    const r = new LabelRaster(w, h, mask);
    r.paintDisc(0.1, 0.1, 0.01, 1);
    expect(show(r)).toEqual(["1..", "..."]);
    const dirty = r.paintDisc(-5, -5, 1, 1);
    expect(isEmptyRect(dirty)).toBe(true);
    r.paintDisc(4.2, 0.5, 0.01, 2); // right of the image: must not wrap onto the next row
    expect(show(r)).toEqual(["1..", "..."]);
    expect(r.indexAt(4.2, 0.5)).toBe(-1);
    expect(r.indexAt(2.9, 1.1)).toBe(5);
  });

  it("reports an empty rect when nothing changes", () => {
    const { mask, w, h } = maskOf(["###"]);
    const r = new LabelRaster(w, h, mask);
    r.paintDisc(1.5, 0.5, 0.5, 3);
    expect(isEmptyRect(r.paintDisc(1.5, 0.5, 0.5, 3))).toBe(true);
  });
});

describe("LabelRaster segment fill", () => {
  const rows = ["##..#", ".#..#", "....#", "##..."];

  it("fills the segment under the cursor and nothing else", () => {
    const { mask, w, h } = maskOf(rows);
    const r = new LabelRaster(w, h, mask);
    expect(r.fillAt(1.7, 1.2, 5)).toEqual({ x0: 0, y0: 0, x1: 2, y1: 2 });
    expect(show(r)).toEqual(["55...", ".5...", ".....", "....."]);
    expect(isEmptyRect(r.fillAt(2.5, 0.5, 5))).toBe(true); // not requested
    expect(r.componentUnlabelled(0)).toBe(0);
    expect(r.componentUnlabelled(1)).toBe(3);
  });

  it("walks to the next segment with unlabelled pixels", () => {
    const { mask, w, h } = maskOf(rows);
    const r = new LabelRaster(w, h, mask);
    r.fillComponent(1, 0);
    expect(r.nextUnlabelledComponent(-1)).toBe(0);
    expect(r.nextUnlabelledComponent(0)).toBe(2);
    r.fillComponent(0, 0);
    r.fillComponent(2, 0);
    expect(r.nextUnlabelledComponent(0)).toBeNull();
    expect(r.unlabelledCount).toBe(0);
  });

  it("pre-fills from a prediction, keeping the annotator's labels", () => {
    const { mask, w, h } = maskOf(["###", "#.#"]);
    const r = new LabelRaster(w, h, mask);
    r.paintDisc(0.5, 0.5, 0.5, 1);
    const prediction = new Uint8Array([2, 2, 9, 2, 2, 2]);
    r.fillFrom(prediction, new Set([0, 1, 2]));
    expect(show(r)).toEqual(["12.", "2.2"]); // 9 is no class; (1,1) not requested
    r.fillFrom(prediction, new Set([0, 1, 2]), true);
    expect(show(r)).toEqual(["22.", "2.2"]);
  });

  it("loads a draft, dropping labels outside the mask", () => {
    const { mask, w, h } = maskOf(["#.#"]);
    const r = new LabelRaster(w, h, mask, new Uint8Array([3, 3, 255]));
    expect(show(r)).toEqual(["3.."]);
    expect(r.labelledCount).toBe(1);
    expect(r.componentUnlabelled(0)).toBe(0);
    expect(r.componentUnlabelled(1)).toBe(1);
  });
});

describe("undo / redo of raster edits", () => {
  it("records one patch per edit with before and after values", () => {
    const { mask, w, h } = maskOf(["###.#", "###.#"]);
    const r = new LabelRaster(w, h, mask);
    const stack = new UndoStack<Patch>(10, patchBytes);
    r.begin();
    r.paintLine(0.5, 0.5, 2.5, 0.5, 0.5, 1);
    r.paintLine(2.5, 0.5, 2.5, 1.5, 0.5, 1); // overlaps (2, 0): recorded once
    const p1 = r.end();
    expect(p1).not.toBeNull();
    if (!p1) return;
    expect(Array.from(p1.indices).sort((a, b) => a - b)).toEqual([0, 1, 2, 7]);
    expect(Array.from(p1.before)).toEqual([255, 255, 255, 255]);
    expect(p1.rect).toEqual({ x0: 0, y0: 0, x1: 3, y1: 2 });
    stack.push(p1);

    r.begin();
    r.paintDisc(1.5, 0.5, 0.5, 255); // erase one
    r.fillAt(4, 1, 3);
    const p2 = r.end();
    if (!p2) throw new Error("expected a patch");
    stack.push(p2);
    expect(show(r)).toEqual(["1.1.3", "..1.3"]);

    const u2 = stack.undo();
    if (!u2) throw new Error("nothing to undo");
    r.apply(u2, "undo");
    expect(show(r)).toEqual(["111..", "..1.."]);
    const u1 = stack.undo();
    if (!u1) throw new Error("nothing to undo");
    r.apply(u1, "undo");
    expect(show(r)).toEqual([".....", "....."]);
    expect(r.labelledCount).toBe(0);
    expect(stack.undo()).toBeNull();

    const again = stack.redo();
    if (!again) throw new Error("nothing to redo");
    r.apply(again, "redo");
    expect(show(r)).toEqual(["111..", "..1.."]);
    expect(r.labelledCount).toBe(4);
  });

  it("returns no patch for an edit that changed nothing", () => {
    const { mask, w, h } = maskOf(["##"]);
    const r = new LabelRaster(w, h, mask);
    r.begin();
    r.paintDisc(0.5, 0.5, 0.5, 2);
    r.paintDisc(0.5, 0.5, 0.5, 255); // back to where it was
    expect(r.end()).toBeNull();
  });

  it("grows its record buffer for big strokes", () => {
    const w = 300;
    const h = 200;
    const r = new LabelRaster(w, h, new Uint8Array(w * h).fill(1));
    r.begin();
    r.paintLine(0, 100, 300, 100, 60, 7);
    const p = r.end();
    expect(p?.indices.length).toBe(r.labelledCount);
    expect(r.labelledCount).toBeGreaterThan(30_000);
  });
});

describe("UndoStack", () => {
  it("drops redo history on a new edit", () => {
    const s = new UndoStack<string>();
    s.push("a");
    s.push("b");
    expect(s.undo()).toBe("b");
    expect(s.canRedo).toBe(true);
    s.push("c");
    expect(s.canRedo).toBe(false);
    expect(s.redo()).toBeNull();
    expect(s.undo()).toBe("c");
    expect(s.undo()).toBe("a");
    expect(s.canUndo).toBe(false);
  });

  it("keeps at most `limit` entries and a byte budget, dropping the oldest", () => {
    const s = new UndoStack<number>(3);
    for (const n of [1, 2, 3, 4]) s.push(n);
    expect(s.size).toBe(3);
    expect([s.undo(), s.undo(), s.undo(), s.undo()]).toEqual([4, 3, 2, null]);

    const b = new UndoStack<number>(100, (n) => n, 10);
    b.push(6);
    b.push(3);
    expect(b.sizeBytes).toBe(9);
    b.push(4); // 13 > 10: drop 6
    expect(b.size).toBe(2);
    expect(b.sizeBytes).toBe(7);
    b.undo();
    b.push(1); // the undone 4 is gone too
    expect(b.sizeBytes).toBe(4);
  });
});
