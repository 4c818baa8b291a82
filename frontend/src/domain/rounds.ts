/** Round helpers for the admin screen. */

import type { Round } from "../api";

/** The dashboard polls the rounds this often while one is queued or running… */
export const POLL_INTERVAL_MS = 2000;
/** …and this often otherwise. */
export const IDLE_POLL_INTERVAL_MS = 15000;

export function isActive(round: Round): boolean {
  return round.status === "queued" || round.status === "running";
}

/** Poll the rounds list while any round is queued or running. */
export function shouldPoll(rounds: readonly Round[]): boolean {
  return rounds.some(isActive);
}

/** Progress clamped to 0..1 (a finished round always shows full). */
export function roundProgress(round: Round): number {
  if (round.status === "done") return 1;
  const p = Number.isFinite(round.progress) ? round.progress : 0;
  return Math.min(1, Math.max(0, p));
}

export interface CurvePoint {
  round: number;
  labelledFraction: number;
  labelledPixels: number;
  miou: number;
}

/** mIoU against labelled pixels over the rounds that have an mIoU, in round order. */
export function miouCurve(rounds: readonly Round[]): CurvePoint[] {
  return [...rounds]
    .sort((a, b) => a.number - b.number)
    .flatMap((r) => {
      const m = r.metrics;
      if (!m || typeof m.miou !== "number" || !Number.isFinite(m.miou)) return [];
      return [
        {
          round: r.number,
          labelledFraction: Number.isFinite(m.labelled_fraction) ? m.labelled_fraction : 0,
          labelledPixels: Number.isFinite(m.labelled_pixels) ? m.labelled_pixels : 0,
          miou: m.miou,
        },
      ];
    });
}

/** Merge a freshly launched round into a list, keeping ascending round numbers. */
export function upsertRound(rounds: readonly Round[], round: Round): Round[] {
  const others = rounds.filter((r) => r.id !== round.id);
  return [...others, round].sort((a, b) => a.number - b.number);
}

export function canCancel(round: Round): boolean {
  return isActive(round);
}

export function canRetry(round: Round): boolean {
  return round.status === "failed";
}

export interface RoundMessage {
  stage: string | null;
  done: number | null;
  total: number | null;
  /** Anything after the counts, e.g. "loss=0.41". */
  detail: string | null;
  etaSeconds: number | null;
}

/**
 * The worker's progress message, e.g. "train_model 120/300 loss=0.41, ETA 40s".
 * Unknown formats give nulls (the raw message is shown as is).
 */
export function parseRoundMessage(message: string | null | undefined): RoundMessage {
  const out: RoundMessage = { stage: null, done: null, total: null, detail: null, etaSeconds: null };
  if (!message) return out;
  let text = message.trim();
  const eta = /,?\s*ETA\s+(\d+(?:\.\d+)?)\s*s\s*$/i.exec(text);
  if (eta?.[1] !== undefined) {
    out.etaSeconds = Number(eta[1]);
    text = text.slice(0, eta.index).trim();
  }
  const m = /^([a-z][a-z0-9_]*)\s+(\d+)\/(\d+)(?:\s+(.*))?$/i.exec(text);
  if (m) {
    out.stage = m[1] ?? null;
    out.done = Number(m[2]);
    out.total = Number(m[3]);
    const detail = m[4]?.trim();
    out.detail = detail === undefined || detail === "" ? null : detail;
  }
  return out;
}

export interface PerClassRow {
  classId: number;
  name: string;
  colour: string;
  /** IoU per round in `rounds` order; null where not measured. */
  values: (number | null)[];
}

/** Per-class IoU across rounds (rounds with metrics, ascending), one row per class. */
export function perClassTable(
  rounds: readonly Round[],
  classes: readonly { id: number; name: string; colour: string }[],
): { rounds: number[]; rows: PerClassRow[] } {
  const measured = [...rounds]
    .filter((r) => r.metrics && Object.keys(r.metrics.per_class_iou).length > 0)
    .sort((a, b) => a.number - b.number);
  return {
    rounds: measured.map((r) => r.number),
    rows: classes.map((c) => ({
      classId: c.id,
      name: c.name,
      colour: c.colour,
      values: measured.map((r) => {
        const v = r.metrics?.per_class_iou[c.name];
        return typeof v === "number" && Number.isFinite(v) ? v : null;
      }),
    })),
  };
}

/** The change from the previous measured round, or null. */
export function delta(values: readonly (number | null)[], i: number): number | null {
  const v = values[i];
  if (v === null || v === undefined) return null;
  for (let j = i - 1; j >= 0; j--) {
    const p = values[j];
    if (p !== null && p !== undefined) return v - p;
  }
  return null;
}
