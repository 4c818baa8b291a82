import { describe, expect, it } from "vitest";
import type { Round } from "./api";
import { miouCurve, roundProgress, shouldPoll, upsertRound } from "./rounds";

function round(over: Partial<Round>): Round {
  return {
    id: 1,
    project_id: 1,
    number: 0,
    status: "done",
    stage: "done",
    progress: 1,
    message: null,
    metrics: null,
    error: null,
    task_count: 0,
    tasks_done: 0,
    created_at: "2025-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    ...over,
  };
}

describe("rounds", () => {
  it("polls only while something is queued or running", () => {
    expect(shouldPoll([])).toBe(false);
    expect(shouldPoll([round({ status: "done" }), round({ status: "failed" })])).toBe(false);
    expect(shouldPoll([round({ status: "done" }), round({ status: "queued" })])).toBe(true);
    expect(shouldPoll([round({ status: "running" })])).toBe(true);
    expect(shouldPoll([round({ status: "cancelled" })])).toBe(false);
  });

  it("clamps progress and shows done rounds full", () => {
    expect(roundProgress(round({ status: "running", progress: 1.7 }))).toBe(1);
    expect(roundProgress(round({ status: "running", progress: -1 }))).toBe(0);
    expect(roundProgress(round({ status: "running", progress: Number.NaN }))).toBe(0);
    expect(roundProgress(round({ status: "done", progress: 0.2 }))).toBe(1);
  });

  it("builds the mIoU curve from rounds with metrics, in round order", () => {
    const m = (miou: number, f: number) => ({ miou, per_class_iou: {}, labelled_pixels: 1, labelled_fraction: f });
    const curve = miouCurve([
      round({ id: 3, number: 2, metrics: m(0.6, 0.02) }),
      round({ id: 1, number: 0, metrics: m(0.4, 0) }),
      round({ id: 2, number: 1, metrics: null }),
    ]);
    expect(curve).toEqual([
      { round: 0, labelledFraction: 0, miou: 0.4 },
      { round: 2, labelledFraction: 0.02, miou: 0.6 },
    ]);
  });

  it("upserts a round keeping ascending numbers", () => {
    const list = [round({ id: 1, number: 0 }), round({ id: 2, number: 1, status: "running" })];
    const updated = upsertRound(list, round({ id: 2, number: 1, status: "done" }));
    expect(updated.map((r) => [r.id, r.status])).toEqual([
      [1, "done"],
      [2, "done"],
    ]);
    expect(upsertRound(list, round({ id: 3, number: 2 })).map((r) => r.number)).toEqual([0, 1, 2]);
  });
});
