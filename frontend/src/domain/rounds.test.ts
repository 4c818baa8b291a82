import { describe, expect, it } from "vitest";
import { makeRound } from "../test/fixtures";
import {
  canCancel,
  canRetry,
  delta,
  miouCurve,
  parseRoundMessage,
  perClassTable,
  roundProgress,
  shouldPoll,
  upsertRound,
} from "./rounds";

const round = makeRound;

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
    const m = (miou: number | null, f: number) => ({ miou, per_class_iou: {}, pixel_accuracy: null, labelled_pixels: f * 1000, labelled_fraction: f });
    const curve = miouCurve([
      round({ id: 3, number: 2, metrics: m(0.6, 0.02) }),
      round({ id: 1, number: 0, metrics: m(0.4, 0) }),
      round({ id: 2, number: 1, metrics: null }),
      round({ id: 4, number: 3, metrics: m(null, 0.03) }), // no validation set
    ]);
    expect(curve).toEqual([
      { round: 0, labelledFraction: 0, labelledPixels: 0, miou: 0.4 },
      { round: 2, labelledFraction: 0.02, labelledPixels: 20, miou: 0.6 },
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

  it("parses the worker's progress message", () => {
    expect(parseRoundMessage("train_model 120/300 loss=0.412, ETA 40s")).toEqual({
      stage: "train_model",
      done: 120,
      total: 300,
      detail: "loss=0.412",
      etaSeconds: 40,
    });
    expect(parseRoundMessage("evaluate 1/1")).toEqual({ stage: "evaluate", done: 1, total: 1, detail: null, etaSeconds: null });
    expect(parseRoundMessage("select 3/10, ETA 7.5s").etaSeconds).toBe(7.5);
    expect(parseRoundMessage("cancel requested; stopping at the next safe point")).toEqual({
      stage: null,
      done: null,
      total: null,
      detail: null,
      etaSeconds: null,
    });
    expect(parseRoundMessage(null).stage).toBeNull();
  });

  it("offers cancel on active rounds and retry on failed ones", () => {
    expect(canCancel(round({ status: "queued" }))).toBe(true);
    expect(canCancel(round({ status: "running" }))).toBe(true);
    expect(canCancel(round({ status: "done" }))).toBe(false);
    expect(canRetry(round({ status: "failed" }))).toBe(true);
    expect(canRetry(round({ status: "cancelled" }))).toBe(false);
  });

  it("tabulates per-class IoU across measured rounds", () => {
    const classes = [
      { id: 0, name: "road", colour: "#111111" },
      { id: 1, name: "car", colour: "#222222" },
    ];
    const t = perClassTable(
      [
        round({ id: 2, number: 1, metrics: { miou: 0.5, per_class_iou: { road: 0.8, car: null }, pixel_accuracy: null, labelled_pixels: 9, labelled_fraction: 0.1 } }),
        round({ id: 1, number: 0, metrics: { miou: 0.4, per_class_iou: { road: 0.7, car: 0.1 }, pixel_accuracy: null, labelled_pixels: 0, labelled_fraction: 0 } }),
        round({ id: 3, number: 2, metrics: null }),
      ],
      classes,
    );
    expect(t.rounds).toEqual([0, 1]);
    expect(t.rows).toEqual([
      { classId: 0, name: "road", colour: "#111111", values: [0.7, 0.8] },
      { classId: 1, name: "car", colour: "#222222", values: [0.1, null] },
    ]);
    expect(delta([0.7, 0.8], 1)).toBeCloseTo(0.1, 10);
    expect(delta([0.1, null, 0.3], 2)).toBeCloseTo(0.2, 10);
    expect(delta([0.1, null], 1)).toBeNull();
    expect(delta([0.5], 0)).toBeNull();
  });
});
