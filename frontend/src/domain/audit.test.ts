import { describe, expect, it } from "vitest";
import { makeRound } from "../test/fixtures";
import type { CurrentModel, LedgerRow, Round, RoundAudit } from "../api";
import { currentModelText, estimateCurve, estimateDetail, formatEstimate, hoursBeforeRound, lastRoundVerdict } from "./audit";

function audit(over: Partial<RoundAudit> = {}): RoundAudit {
  return {
    points: 140,
    images: 12,
    labels_as_of_round: 2,
    level: 0.9,
    pixel_accuracy: 0.8,
    pixel_accuracy_interval: { low: 0.75, high: 0.85 },
    miou: 0.612,
    miou_interval: { low: 0.57, high: 0.648 },
    per_class_iou: {},
    versus_latest: null,
    reason: null,
    ...over,
  };
}

function round(number: number, a: RoundAudit | null, pixels: number | null = 1000, val: number | null = null): Round {
  const metrics = pixels === null ? null : { miou: val, per_class_iou: {}, pixel_accuracy: null, labelled_pixels: pixels, labelled_fraction: 0.01 };
  return makeRound({ id: 100 + number, number, metrics, audit: a, has_model: true });
}

function row(round_number: number, seconds: number, audit_seconds: number | null): LedgerRow {
  return {
    round_id: round_number + 1,
    round_number,
    user_id: 1,
    email: "a@example.com",
    submissions: 1,
    points: 1,
    painted_pixels: 0,
    segments: 0,
    skipped_tasks: 0,
    seconds,
    audit_submissions: 0,
    audit_points: 0,
    audit_seconds,
  };
}

describe("formatEstimate", () => {
  it("shows the estimate with its interval and the points it rests on", () => {
    expect(formatEstimate(audit())).toBe("mIoU 61.2 % [57.0–64.8] from 140 audit points");
    expect(formatEstimate(audit({ points: 1, miou_interval: null }))).toBe("mIoU 61.2 % from 1 audit point");
  });
  it("gives the server's reason when there is no estimate", () => {
    expect(formatEstimate(audit({ miou: null, miou_interval: null, reason: "only 4 audit points" }))).toBe("only 4 audit points");
    expect(formatEstimate(audit({ miou: null, reason: null, points: 4 }))).toBe("no estimate from 4 audit points");
    expect(formatEstimate(null)).toBe("no audit estimate yet");
  });
  it("says what the interval is", () => {
    expect(estimateDetail(audit())).toBe("90 % interval over 12 images, estimated when round 2 was the latest");
  });
});

describe("estimateCurve", () => {
  it("keeps the rounds with an estimate, in order, with labelled pixels and val mIoU", () => {
    const curve = estimateCurve([
      round(2, audit({ miou: 0.6 }), 3000, 0.55),
      round(0, null),
      round(1, audit({ miou: 0.5, miou_interval: null }), null),
      round(3, audit({ miou: null, reason: "too few" })),
    ]);
    expect(curve.map((p) => p.round)).toEqual([1, 2]);
    expect(curve[0]).toMatchObject({ miou: 0.5, low: 0.5, high: 0.5, labelledPixels: null, valMiou: null, roundId: 101 });
    expect(curve[1]).toMatchObject({ miou: 0.6, low: 0.57, high: 0.648, labelledPixels: 3000, valMiou: 0.55 });
  });
});

describe("lastRoundVerdict", () => {
  const at = (r: number, miou: number, low: number, high: number) => round(r, audit({ miou, miou_interval: { low, high } }));
  it("needs two estimates", () => {
    expect(lastRoundVerdict(estimateCurve([at(0, 0.5, 0.4, 0.6)]))).toBeNull();
  });
  it("says the last round did not measurably help when its gain lies inside its interval", () => {
    const v = lastRoundVerdict(estimateCurve([at(0, 0.5, 0.45, 0.55), at(1, 0.52, 0.48, 0.56)]));
    expect(v?.helped).toBe(false);
    expect(v?.text).toBe("Round 1 did not measurably help: its change of +2.0 mIoU points on round 0 lies inside its interval [48.0–56.0].");
  });
  it("counts a drop as no help", () => {
    expect(lastRoundVerdict(estimateCurve([at(0, 0.5, 0.45, 0.55), at(1, 0.3, 0.25, 0.35)]))?.text).toContain("change of −20.0");
  });
  it("judges on the paired difference where the estimates carry one", () => {
    const paired = (versus: { low: number; high: number }) =>
      lastRoundVerdict(estimateCurve([round(0, audit({ miou: 0.5, versus_latest: versus })), round(1, audit({ miou: 0.53 }))]));
    // Round 1's own interval [57.0–64.8] lies above 0.5, yet on the same points the gain may be nil.
    expect(paired({ low: -0.06, high: 0.01 })).toEqual({
      helped: false,
      text: "Round 1 did not measurably help: its change of +3.0 mIoU points on round 0 lies between −1.0 and +6.0 on the same audit points.",
    });
    expect(paired({ low: -0.05, high: -0.01 })).toEqual({
      helped: true,
      text: "Round 1 gained +3.0 mIoU points on round 0 (between +1.0 and +5.0 on the same audit points).",
    });
  });
  it("says it helped when the previous estimate lies below the interval", () => {
    const v = lastRoundVerdict(estimateCurve([at(0, 0.4, 0.35, 0.45), at(1, 0.6, 0.55, 0.65)]));
    expect(v).toEqual({ helped: true, text: "Round 1 gained +20.0 mIoU points on round 0, beyond its interval." });
  });
});

describe("currentModelText", () => {
  const model = (over: Partial<CurrentModel>): CurrentModel => ({
    round_id: 7,
    number: 3,
    reason: "latest (no earlier round measurably better)",
    pinned_round_id: null,
    estimate: null,
    val_miou: null,
    ...over,
  });
  it("names the round and why", () => {
    expect(currentModelText(model({}))).toBe("Round 3 — the latest round; no earlier round is measurably better on the audit points");
    expect(currentModelText(model({ reason: "measurably better than the latest on audit points" }))).toBe(
      "Round 3 — measurably better than the latest round on the audit points",
    );
    expect(currentModelText(model({ reason: "pinned", pinned_round_id: 7 }))).toBe("Round 3 — pinned by an admin");
    expect(currentModelText(model({ round_id: null, number: null, reason: "no trained model yet" }))).toBe("No model served: no trained model yet.");
  });
});

describe("hoursBeforeRound", () => {
  it("adds the effort of earlier rounds, audit time included", () => {
    const rows = [row(0, 1800, 1800), row(1, 3600, null), row(2, 7200, 0)];
    expect(hoursBeforeRound(rows, 0)).toBe(0);
    expect(hoursBeforeRound(rows, 1)).toBe(1);
    expect(hoursBeforeRound(rows, 3)).toBe(4);
  });
});
