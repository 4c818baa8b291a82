import { describe, expect, it } from "vitest";
import {
  initLabelState,
  isComplete,
  labelledCount,
  labelReducer,
  nextUnlabelled,
  restoreLabelState,
  UNSURE,
  type LabelAction,
  type LabelState,
} from "./points";

const run = (s: LabelState, ...actions: LabelAction[]): LabelState => actions.reduce(labelReducer, s);

describe("label state machine", () => {
  it("labels the current point and advances to the next one", () => {
    const s = run(initLabelState(3), { type: "label", classId: 2 });
    expect(s.labels).toEqual([2, null, null]);
    expect(s.current).toBe(1);
  });

  it("skips already labelled points and wraps around", () => {
    let s = initLabelState(4);
    s = run(s, { type: "goto", index: 2 }, { type: "label", classId: 1 }); // labels 2 → current 3
    expect(s.current).toBe(3);
    s = run(s, { type: "label", classId: 1 }); // labels 3 → wraps to 0
    expect(s.current).toBe(0);
    s = run(s, { type: "label", classId: 0 }); // labels 0 → 1 (2, 3 done)
    expect(s.current).toBe(1);
    s = run(s, { type: "label", classId: 5 }); // all done: stays
    expect(s.current).toBe(1);
    expect(isComplete(s)).toBe(true);
    expect(labelledCount(s)).toBe(4);
  });

  it("relabelling when complete keeps the current point", () => {
    let s = run(initLabelState(2), { type: "label", classId: 0 }, { type: "label", classId: 0 });
    s = run(s, { type: "prev" }, { type: "label", classId: 3 });
    expect(s.labels).toEqual([3, 0]);
    expect(s.current).toBe(0);
  });

  it("unsure is a label (255) and counts as labelled", () => {
    const s = run(initLabelState(2), { type: "label", classId: UNSURE });
    expect(s.labels[0]).toBe(255);
    expect(labelledCount(s)).toBe(1);
    expect(isComplete(s)).toBe(false);
  });

  it("prev/next are clamped, not wrapped", () => {
    let s = initLabelState(3);
    s = run(s, { type: "prev" });
    expect(s.current).toBe(0);
    s = run(s, { type: "next" }, { type: "next" }, { type: "next" });
    expect(s.current).toBe(2);
  });

  it("goto clamps and ignores non-integers", () => {
    const s = initLabelState(3);
    expect(run(s, { type: "goto", index: 10 }).current).toBe(2);
    expect(run(s, { type: "goto", index: -1 }).current).toBe(0);
    expect(run(s, { type: "goto", index: 1.5 })).toBe(s);
  });

  it("clear removes the current label only", () => {
    let s = run(initLabelState(2), { type: "label", classId: 4 }, { type: "prev" }, { type: "clear" });
    expect(s.labels).toEqual([null, null]);
    s = run(s, { type: "clear" });
    expect(s.labels).toEqual([null, null]);
  });

  it("handles tasks without points", () => {
    const s = initLabelState(0);
    expect(run(s, { type: "label", classId: 1 }, { type: "next" }, { type: "prev" })).toBe(s);
    expect(isComplete(s)).toBe(true);
  });

  it("does not mutate the previous state", () => {
    const s = initLabelState(2);
    run(s, { type: "label", classId: 1 });
    expect(s.labels).toEqual([null, null]);
  });

  it("reset and restore", () => {
    const s = run(initLabelState(2), { type: "label", classId: 1 }, { type: "reset", count: 3 });
    expect(s).toEqual({ labels: [null, null, null], current: 0 });
    expect(restoreLabelState([1, null], 9)).toEqual({ labels: [1, null], current: 1 });
  });

  it("nextUnlabelled", () => {
    expect(nextUnlabelled([null, 1, null], 0)).toBe(2);
    expect(nextUnlabelled([null, 1, 1], 2)).toBe(0);
    expect(nextUnlabelled([1, 1], 0)).toBeNull();
    expect(nextUnlabelled([null], 0)).toBe(0);
  });
});
