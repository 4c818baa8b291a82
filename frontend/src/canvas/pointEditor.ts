/**
 * Point mode (PPL): the labels of a task's suggested points, navigation and
 * undo/redo. Plain state with change listeners; the view subscribes and draws.
 */

import type { DraftBody, PixelLabel, Point } from "../api";
import { pointsDraft } from "../domain/draft";
import { UndoStack } from "../domain/history";
import { initLabelState, isComplete, labelledCount, labelReducer, restoreLabelState, UNSURE, type LabelAction, type LabelState } from "../domain/points";
import { pointLabels } from "../domain/submission";

interface Edit {
  before: LabelState;
  after: LabelState;
}

export type PointChange = "labels" | "current";

export class PointEditor {
  readonly kind = "points" as const;
  private stateNow: LabelState;
  private readonly history = new UndoStack<Edit>(500);
  private readonly listeners = new Set<(change: PointChange) => void>();

  constructor(
    readonly points: readonly Point[],
    restored?: { labels: (number | null)[]; current: number } | null,
  ) {
    this.stateNow =
      restored?.labels.length === points.length
        ? restoreLabelState(restored.labels, restored.current)
        : initLabelState(points.length);
  }

  get state(): LabelState {
    return this.stateNow;
  }

  get current(): number {
    return this.stateNow.current;
  }

  get currentPoint(): Point | null {
    return this.points[this.stateNow.current] ?? null;
  }

  get currentLabel(): number | null {
    return this.stateNow.labels[this.stateNow.current] ?? null;
  }

  get done(): number {
    return labelledCount(this.stateNow);
  }

  get total(): number {
    return this.points.length;
  }

  get complete(): boolean {
    return isComplete(this.stateNow);
  }

  get canUndo(): boolean {
    return this.history.canUndo;
  }

  get canRedo(): boolean {
    return this.history.canRedo;
  }

  subscribe(fn: (change: PointChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(change: PointChange): void {
    for (const fn of this.listeners) fn(change);
  }

  private dispatch(action: LabelAction): void {
    const before = this.stateNow;
    const after = labelReducer(before, action);
    if (after === before) return;
    this.stateNow = after;
    if (after.labels !== before.labels) {
      this.history.push({ before, after });
      this.emit("labels");
    } else {
      this.emit("current");
    }
  }

  label(classId: number): void {
    this.dispatch({ type: "label", classId });
  }

  unsure(): void {
    this.dispatch({ type: "label", classId: UNSURE });
  }

  clear(): void {
    this.dispatch({ type: "clear" });
  }

  next(): void {
    this.dispatch({ type: "next" });
  }

  prev(): void {
    this.dispatch({ type: "prev" });
  }

  goto(index: number): void {
    this.dispatch({ type: "goto", index });
  }

  /** Reverts the last labelling (and returns to the point it was on). */
  undo(): boolean {
    const e = this.history.undo();
    if (!e) return false;
    this.stateNow = e.before;
    this.emit("labels");
    return true;
  }

  redo(): boolean {
    const e = this.history.redo();
    if (!e) return false;
    this.stateNow = e.after;
    this.emit("labels");
    return true;
  }

  draft(secondsSpent: number): DraftBody {
    return pointsDraft(this.points, this.stateNow.labels, this.stateNow.current, secondsSpent);
  }

  submission(): PixelLabel[] {
    return pointLabels(this.points, this.stateNow.labels);
  }
}
