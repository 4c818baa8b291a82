/** Round helpers for the admin screen. */

import type { Round } from "./api";

export const POLL_INTERVAL_MS = 2000;

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
  miou: number;
}

/** mIoU against labelled fraction over the rounds that have metrics, in round order. */
export function miouCurve(rounds: readonly Round[]): CurvePoint[] {
  return [...rounds]
    .sort((a, b) => a.number - b.number)
    .flatMap((r) =>
      r.metrics && Number.isFinite(r.metrics.miou)
        ? [{ round: r.number, labelledFraction: r.metrics.labelled_fraction, miou: r.metrics.miou }]
        : [],
    );
}

/** Merge a freshly launched round into a list, keeping ascending round numbers. */
export function upsertRound(rounds: readonly Round[], round: Round): Round[] {
  const others = rounds.filter((r) => r.id !== round.id);
  return [...others, round].sort((a, b) => a.number - b.number);
}
