/**
 * The audit estimates of the rounds' models (RoundOut.audit): how they read, the curve of
 * estimated mIoU with its interval against the labels spent, and whether the last round
 * measurably helped. Pure: no DOM, no API calls.
 */

import type { CurrentModel, LedgerRow, Round, RoundAudit } from "../api";
import { formatInt, formatIoU } from "./format";

/** "mIoU 61.2 % [57.0–64.8] from 140 audit points"; the server's reason when there is none. */
export function formatEstimate(audit: RoundAudit | null | undefined): string {
  if (!audit) return "no audit estimate yet";
  if (audit.miou === null || !Number.isFinite(audit.miou)) {
    return audit.reason ?? `no estimate from ${formatInt(audit.points)} audit points`;
  }
  const band = audit.miou_interval ? ` [${formatIoU(audit.miou_interval.low)}–${formatIoU(audit.miou_interval.high)}]` : "";
  return `mIoU ${formatIoU(audit.miou)} %${band} from ${formatInt(audit.points)} audit point${audit.points === 1 ? "" : "s"}`;
}

/**
 * "90 % interval over 12 images, estimated when round 3 was the latest": labelled audit
 * tasks re-estimate between rounds, so the labels may postdate that round's own launch.
 */
export function estimateDetail(audit: RoundAudit): string {
  return `${Math.round(audit.level * 100)} % interval over ${formatInt(audit.images)} image${audit.images === 1 ? "" : "s"}, estimated when round ${audit.labels_as_of_round} was the latest`;
}

export interface EstimatePoint {
  round: number;
  roundId: number;
  miou: number;
  low: number;
  high: number;
  points: number;
  /** Labelled target pixels the round's model trained on; null without metrics. */
  labelledPixels: number | null;
  /** The target/val mIoU beside it, where the project has a labelled set. */
  valMiou: number | null;
  /** Its mIoU minus the latest round's on the same audit points (paired interval); null for the latest. */
  versusLatest: { low: number; high: number } | null;
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/** The rounds with an mIoU estimate, in round order (an estimate without interval is its own band). */
export function estimateCurve(rounds: readonly Round[]): EstimatePoint[] {
  return [...rounds]
    .sort((a, b) => a.number - b.number)
    .flatMap((r) => {
      const a = r.audit;
      if (!a || !finite(a.miou)) return [];
      const low = finite(a.miou_interval?.low) ? a.miou_interval.low : a.miou;
      const high = finite(a.miou_interval?.high) ? a.miou_interval.high : a.miou;
      return [
        {
          round: r.number,
          roundId: r.id,
          miou: a.miou,
          low: Math.min(low, a.miou),
          high: Math.max(high, a.miou),
          points: a.points,
          labelledPixels: r.metrics && finite(r.metrics.labelled_pixels) ? r.metrics.labelled_pixels : null,
          valMiou: r.metrics && finite(r.metrics.miou) ? r.metrics.miou : null,
          versusLatest: a.versus_latest ?? null,
        },
      ];
    });
}

export interface Verdict {
  /** false: the gain lies inside the last round's interval. */
  helped: boolean;
  text: string;
}

/**
 * Whether the last estimated round measurably improved on the one before: it did when their
 * paired difference on the same audit points lies above 0 (the rule that picks the model
 * served), or, for estimates made before paired differences were stored, when the previous
 * estimate lies below the last round's interval. Null with fewer than two estimates.
 */
export function lastRoundVerdict(curve: readonly EstimatePoint[]): Verdict | null {
  const last = curve[curve.length - 1];
  const prev = curve[curve.length - 2];
  if (!last || !prev) return null;
  const points = (fraction: number) => `${fraction >= 0 ? "+" : "−"}${Math.abs(fraction * 100).toFixed(1)}`;
  const signed = points(last.miou - prev.miou);
  if (prev.versusLatest) {
    // prev − last, turned around: last's gain on prev.
    const band = `between ${points(-prev.versusLatest.high)} and ${points(-prev.versusLatest.low)} on the same audit points`;
    return prev.versusLatest.high < 0
      ? { helped: true, text: `Round ${last.round} gained ${signed} mIoU points on round ${prev.round} (${band}).` }
      : { helped: false, text: `Round ${last.round} did not measurably help: its change of ${signed} mIoU points on round ${prev.round} lies ${band}.` };
  }
  if (prev.miou >= last.low) {
    return {
      helped: false,
      text: `Round ${last.round} did not measurably help: its change of ${signed} mIoU points on round ${prev.round} lies inside its interval [${formatIoU(last.low)}–${formatIoU(last.high)}].`,
    };
  }
  return { helped: true, text: `Round ${last.round} gained ${signed} mIoU points on round ${prev.round}, beyond its interval.` };
}

const REASON_TEXT: Record<CurrentModel["reason"], string> = {
  pinned: "pinned by an admin",
  "latest (no earlier round measurably better)": "the latest round; no earlier round is measurably better on the audit points",
  "measurably better than the latest on audit points": "measurably better than the latest round on the audit points",
  "latest (no audit estimate yet)": "the latest trained round (no audit estimate yet)",
  "no trained model yet": "no trained model yet",
};

/** "Round 3 — the latest round; no earlier round is measurably better …", or why there is none. */
export function currentModelText(m: CurrentModel): string {
  if (m.number === null) return `No model served: ${REASON_TEXT[m.reason]}.`;
  return `Round ${m.number} — ${REASON_TEXT[m.reason]}`;
}

/**
 * Annotator-hours spent before each round started, audit effort included: the labels a
 * round's model could train on come from the tasks of earlier rounds.
 */
export function hoursBeforeRound(rows: readonly LedgerRow[], round: number): number {
  let seconds = 0;
  for (const r of rows) if (r.round_number < round) seconds += r.seconds + (r.audit_seconds ?? 0);
  return seconds / 3600;
}
