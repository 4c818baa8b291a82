/**
 * The annotate screen's state: the open session, what the screen is doing
 * (phase), the notice, the draft's save state and the view settings. It
 * changes only through `annotateReducer` (pure); annotateController.ts does
 * the work (requests, editors, canvas) and dispatches, the components render
 * the state. Also the screen's other decisions that need no browser: notices,
 * what a key does, which submission "← Previous" reopens, how a failed submit
 * is reported.
 */

import { ApiError, NetworkError } from "../api";
import type { SaveState } from "../domain/draft";
import { formatInt } from "../domain/format";
import type { KeyAction } from "../domain/keys";
import type { Editor, Session } from "./annotationSession";
import { Store } from "./store";

export type Phase =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "ready" }
  | { kind: "submitting" }
  | { kind: "empty" }
  | { kind: "error"; message: string; retry: "submit" | "next" };

export type Tone = "ok" | "warn";

/** A toast; `seq` changes with every new notice (the toast restarts even for the same text). */
export interface Notice {
  text: string;
  tone: Tone;
  seq: number;
}

export interface AnnotateState {
  session: Session | null;
  phase: Phase;
  notice: Notice | null;
  saveState: SaveState;
  helpOpen: boolean;
  /** The annotator's letter per class id (this project's). */
  letters: ReadonlyMap<number, string>;
  opacity: number;
  overlayOn: boolean;
  autoZoom: boolean;
  /** The view's scale (canvas px per image px), for the zoom read-out. */
  zoom: number;
  /** Tasks submitted on this screen since it opened. */
  submittedCount: number;
}

export const initialAnnotateState: AnnotateState = {
  session: null,
  phase: { kind: "idle" },
  notice: null,
  saveState: "idle",
  helpOpen: false,
  letters: new Map(),
  opacity: 0.6,
  overlayOn: true,
  autoZoom: true,
  zoom: 1,
  submittedCount: 0,
};

export type AnnotateAction =
  | { type: "loading" }
  | { type: "empty" }
  | { type: "failed"; message: string; retry: "submit" | "next" }
  /** A task is open for labelling (or correction). */
  | { type: "opened"; session: Session }
  /** The task was left: nothing on screen until the next one opens. */
  | { type: "closed" }
  | { type: "submitting" }
  | { type: "submitted"; taskId: number; correction: boolean; labelledPixels: number }
  | { type: "notice"; text: string; tone?: Tone }
  | { type: "dismiss-notice" }
  | { type: "save-state"; state: SaveState }
  | { type: "help"; open: boolean | "toggle" }
  | { type: "letters"; letters: ReadonlyMap<number, string> }
  | { type: "opacity"; opacity: number }
  | { type: "overlay"; on: boolean | "toggle" }
  | { type: "auto-zoom"; on: boolean }
  | { type: "zoom"; scale: number };

export function annotateReducer(state: AnnotateState, action: AnnotateAction): AnnotateState {
  switch (action.type) {
    case "loading":
      return { ...state, phase: { kind: "loading" } };
    case "empty":
      return { ...state, phase: { kind: "empty" } };
    case "failed":
      return { ...state, phase: { kind: "error", message: action.message, retry: action.retry } };
    case "opened": {
      const { session } = action;
      const next: AnnotateState = { ...state, session, phase: { kind: "ready" }, saveState: session.restored ? "saved" : "idle" };
      const notice = openedNotice(session);
      return notice ? withNotice(next, notice.text, notice.tone) : next;
    }
    case "closed":
      return state.session === null ? state : { ...state, session: null };
    case "submitting":
      return { ...state, phase: { kind: "submitting" } };
    case "submitted":
      return withNotice(
        { ...state, submittedCount: state.submittedCount + 1 },
        `${action.correction ? "Correction saved" : "Submitted"} · task ${action.taskId} · ${formatInt(action.labelledPixels)} pixels labelled`,
        "ok",
      );
    case "notice":
      return withNotice(state, action.text, action.tone ?? "ok");
    case "dismiss-notice":
      return state.notice === null ? state : { ...state, notice: null };
    case "save-state":
      return set(state, "saveState", action.state);
    case "help":
      return set(state, "helpOpen", action.open === "toggle" ? !state.helpOpen : action.open);
    case "letters":
      return set(state, "letters", action.letters);
    case "opacity":
      return set(state, "opacity", action.opacity);
    case "overlay":
      return set(state, "overlayOn", action.on === "toggle" ? !state.overlayOn : action.on);
    case "auto-zoom":
      return set(state, "autoZoom", action.on);
    case "zoom":
      return set(state, "zoom", action.scale);
  }
}

export function createAnnotateStore(initial: AnnotateState = initialAnnotateState): Store<AnnotateState, AnnotateAction> {
  return new Store(annotateReducer, initial);
}

function set<K extends keyof AnnotateState>(state: AnnotateState, key: K, value: AnnotateState[K]): AnnotateState {
  return Object.is(state[key], value) ? state : { ...state, [key]: value };
}

function withNotice(state: AnnotateState, text: string, tone: Tone): AnnotateState {
  return { ...state, notice: { text, tone, seq: (state.notice?.seq ?? 0) + 1 } };
}

/** What to tell the annotator when a task opens; null: nothing (an earlier notice stays). */
export function openedNotice(session: Pick<Session, "restored" | "correction">): { text: string; tone: Tone } | null {
  if (session.restored) {
    return { text: session.correction ? "Your submitted labels are loaded: correct them and submit." : "Your draft was restored.", tone: "ok" };
  }
  if (session.correction) return { text: "Correcting a submitted task (its earlier labels are not available here).", tone: "warn" };
  return null;
}

type SubmitCheck = Pick<Extract<Editor, { kind: "points" }>, "kind" | "complete"> | Pick<Extract<Editor, { kind: "region" }>, "kind" | "complete" | "unlabelled">;

/** Why a submission without `force` waits (null: it may go). */
export function submitBlocker(editor: SubmitCheck): string | null {
  if (editor.complete) return null;
  return editor.kind === "points"
    ? "Label every point before submitting."
    : `${formatInt(editor.unlabelled)} requested pixels are still unlabelled — press N to find them, or Shift+Enter to submit anyway.`;
}

/** A failure worth sending the very same submission again (it may not have arrived). */
export function isTransient(err: unknown): boolean {
  return err instanceof NetworkError || (err instanceof ApiError && err.status >= 500);
}

/** The error phase after a failed submit: a task that is gone can only be left, anything else retried. */
export function submitFailure(err: unknown, text: string): { message: string; retry: "submit" | "next" } {
  const gone = err instanceof ApiError && (err.status === 404 || err.status === 409 || err.status === 410);
  return gone ? { message: `This task can no longer be submitted: ${text}`, retry: "next" } : { message: `Submit failed: ${text}`, retry: "submit" };
}

/**
 * "← Previous": from the open task, the submission before it. `submitted` is the
 * annotator's submissions, newest first; a correction steps further back from its task.
 */
export function pickPrevious<T extends { id: number }>(
  submitted: readonly T[],
  open: { taskId: number; correction: boolean } | null,
): { task: T } | { notice: string } {
  const at = open?.correction ? submitted.findIndex((t) => t.id === open.taskId) : -1;
  const task = submitted[at + 1];
  if (task) return { task };
  return { notice: at >= 0 ? "That was your oldest submission." : "You have not submitted any task in this project yet." };
}

/** What a mapped key does on this screen (null: nothing, the key keeps its default). */
export type KeyRoute =
  | { run: "help-toggle" }
  | { run: "help-close" }
  | { run: "submit"; force: boolean }
  | { run: "next" }
  /** Enter with nothing to submit or load: swallowed. */
  | { run: "none" }
  /** An editing or view action (handled only while a task is ready). */
  | { run: "action"; action: KeyAction };

export function routeKey(
  action: KeyAction,
  state: Pick<AnnotateState, "phase" | "helpOpen" | "session">,
  where: { onButton: boolean; hasProject: boolean },
): KeyRoute | null {
  if (action.type === "help") return { run: "help-toggle" };
  if (action.type === "close") return state.helpOpen ? { run: "help-close" } : null;
  if (state.helpOpen) return null;
  const phase = state.phase.kind;
  if (action.type === "submit") {
    if (where.onButton) return null; // Enter on a focused button keeps its meaning
    if (phase === "ready" && state.session) return { run: "submit", force: action.force };
    if ((phase === "idle" || phase === "empty") && where.hasProject) return { run: "next" };
    return { run: "none" };
  }
  return phase === "ready" ? { run: "action", action } : null;
}

/** The toolbar's counter: points or requested pixels labelled. */
export function progressOf(editor: Editor | null): { done: number; total: number; unit: string } | null {
  if (!editor) return null;
  return editor.kind === "points"
    ? { done: editor.done, total: editor.total, unit: "points" }
    : { done: editor.raster.labelledCount, total: editor.requested, unit: "pixels" };
}
