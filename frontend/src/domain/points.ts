/**
 * Navigation/labelling state machine over the items of a task: the suggested
 * points of a PPL task, or the mask segments of an SPL task. Pure and immutable.
 */

import { IGNORE_INDEX } from "../api";

export const UNSURE = IGNORE_INDEX;

export interface LabelState {
  /** Class id per item, `UNSURE` (255) for "unsure / ignore", null while unlabelled. */
  readonly labels: readonly (number | null)[];
  /** Index of the current item (0 when there are none). */
  readonly current: number;
}

export type LabelAction =
  | { type: "label"; classId: number }
  | { type: "next" }
  | { type: "prev" }
  | { type: "goto"; index: number }
  | { type: "clear" }
  | { type: "reset"; count: number };

export function initLabelState(count: number): LabelState {
  return { labels: Array.from({ length: Math.max(0, count) }, () => null), current: 0 };
}

/** Restores a state (e.g. a saved draft), clamping anything out of range. */
export function restoreLabelState(labels: readonly (number | null)[], current: number): LabelState {
  return { labels: [...labels], current: clamp(current, 0, Math.max(0, labels.length - 1)) };
}

export function labelReducer(state: LabelState, action: LabelAction): LabelState {
  const n = state.labels.length;
  switch (action.type) {
    case "reset":
      return initLabelState(action.count);
    case "label": {
      if (n === 0) return state;
      const labels = state.labels.slice();
      labels[state.current] = action.classId;
      return { labels, current: nextUnlabelled(labels, state.current) ?? state.current };
    }
    case "clear": {
      if (n === 0 || state.labels[state.current] === null) return state;
      const labels = state.labels.slice();
      labels[state.current] = null;
      return { labels, current: state.current };
    }
    case "next":
      return n === 0 ? state : { ...state, current: Math.min(state.current + 1, n - 1) };
    case "prev":
      return n === 0 ? state : { ...state, current: Math.max(state.current - 1, 0) };
    case "goto":
      if (n === 0 || !Number.isInteger(action.index)) return state;
      return { ...state, current: clamp(action.index, 0, n - 1) };
  }
}

/** First unlabelled index after `from`, wrapping around; null when everything is labelled. */
export function nextUnlabelled(labels: readonly (number | null)[], from: number): number | null {
  const n = labels.length;
  for (let step = 1; step <= n; step++) {
    const i = (from + step) % n;
    if (labels[i] === null) return i;
  }
  return null;
}

export function labelledCount(state: LabelState): number {
  return state.labels.reduce<number>((acc, l) => (l === null ? acc : acc + 1), 0);
}

export function isComplete(state: LabelState): boolean {
  return state.labels.every((l) => l !== null);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
