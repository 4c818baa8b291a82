import { describe, expect, it } from "vitest";
import { ApiError, NetworkError, type Task } from "../api";
import { PointEditor } from "../canvas/pointEditor";
import { RegionEditor } from "../canvas/regionEditor";
import type { Session } from "./annotationSession";
import {
  annotateReducer,
  createAnnotateStore,
  initialAnnotateState,
  isTransient,
  pickPrevious,
  progressOf,
  routeKey,
  submitBlocker,
  submitFailure,
  type AnnotateAction,
  type AnnotateState,
} from "./annotateStore";

function session(over: Partial<Pick<Session, "correction" | "restored">> = {}, id = 7): Session {
  const task = { id, width: 4, height: 4, points: [{ x: 1, y: 1 }] } as Task;
  return {
    loaded: { task, image: {} as ImageBitmap, mask: null },
    editor: new PointEditor(task.points),
    overlay: null,
    correction: false,
    restored: false,
    secondsSpent: 0,
    paint: () => undefined,
    ...over,
  };
}

function run(...actions: AnnotateAction[]): AnnotateState {
  return actions.reduce(annotateReducer, initialAnnotateState);
}

describe("annotateReducer: the task's life", () => {
  it("starts idle with nothing open and the view defaults", () => {
    expect(initialAnnotateState).toMatchObject({ session: null, phase: { kind: "idle" }, notice: null, saveState: "idle", helpOpen: false });
    expect(initialAnnotateState).toMatchObject({ opacity: 0.6, overlayOn: true, autoZoom: true, zoom: 1, submittedCount: 0 });
  });

  it("loading → opened: the task is ready, unsaved, and nothing is said about a fresh task", () => {
    const s = session();
    const state = run({ type: "loading" }, { type: "opened", session: s });
    expect(state.phase).toEqual({ kind: "ready" });
    expect(state.session).toBe(s);
    expect(state.saveState).toBe("idle");
    expect(state.notice).toBeNull();
  });

  it("a restored draft opens as saved, with a notice", () => {
    const state = run({ type: "opened", session: session({ restored: true }) });
    expect(state.saveState).toBe("saved");
    expect(state.notice).toMatchObject({ text: "Your draft was restored.", tone: "ok" });
  });

  it("a correction says whether the submitted labels came back", () => {
    expect(run({ type: "opened", session: session({ correction: true, restored: true }) }).notice).toMatchObject({
      text: "Your submitted labels are loaded: correct them and submit.",
      tone: "ok",
    });
    expect(run({ type: "opened", session: session({ correction: true }) }).notice).toMatchObject({
      text: "Correcting a submitted task (its earlier labels are not available here).",
      tone: "warn",
    });
  });

  it("opening a fresh task keeps the notice of what came before (e.g. the last submission)", () => {
    const state = run({ type: "submitted", taskId: 3, correction: false, labelledPixels: 1234 }, { type: "closed" }, { type: "loading" }, { type: "opened", session: session() });
    expect(state.notice?.text).toBe("Submitted · task 3 · 1,234 pixels labelled");
    expect(state.submittedCount).toBe(1);
  });

  it("submitting → submitted counts the submission and says so; a correction says it was saved", () => {
    const state = run({ type: "opened", session: session() }, { type: "submitting" });
    expect(state.phase.kind).toBe("submitting");
    const after = annotateReducer(state, { type: "submitted", taskId: 7, correction: true, labelledPixels: 2 });
    expect(after.submittedCount).toBe(1);
    expect(after.notice).toMatchObject({ text: "Correction saved · task 7 · 2 pixels labelled", tone: "ok" });
    // The task stays on screen until the next one replaces it.
    expect(after.session).toBe(state.session);
  });

  it("closed leaves the phase to whoever closed it; closing nothing changes nothing", () => {
    const state = run({ type: "opened", session: session() }, { type: "loading" }, { type: "closed" });
    expect(state.session).toBeNull();
    expect(state.phase.kind).toBe("loading");
    expect(annotateReducer(state, { type: "closed" })).toBe(state);
  });

  it("empty and failed", () => {
    expect(run({ type: "loading" }, { type: "empty" }).phase).toEqual({ kind: "empty" });
    expect(run({ type: "failed", message: "Submit failed: boom", retry: "submit" }).phase).toEqual({
      kind: "error",
      message: "Submit failed: boom",
      retry: "submit",
    });
  });

  it("records the autosave's state", () => {
    expect(run({ type: "save-state", state: "saving" }, { type: "save-state", state: "saved" }).saveState).toBe("saved");
  });
});

describe("annotateReducer: notices and view settings", () => {
  it("numbers notices so the same text shows again; dismissing clears it and starts over", () => {
    const a = run({ type: "notice", text: "Nothing to undo.", tone: "warn" });
    const b = annotateReducer(a, { type: "notice", text: "Nothing to undo.", tone: "warn" });
    expect(a.notice).toEqual({ text: "Nothing to undo.", tone: "warn", seq: 1 });
    expect(b.notice?.seq).toBe(2);
    const cleared = annotateReducer(b, { type: "dismiss-notice" });
    expect(cleared.notice).toBeNull();
    expect(annotateReducer(cleared, { type: "dismiss-notice" })).toBe(cleared);
    expect(annotateReducer(cleared, { type: "notice", text: "Hi" }).notice).toEqual({ text: "Hi", tone: "ok", seq: 1 });
  });

  it("opens, closes and toggles the cheat sheet", () => {
    expect(run({ type: "help", open: "toggle" }).helpOpen).toBe(true);
    expect(run({ type: "help", open: "toggle" }, { type: "help", open: "toggle" }).helpOpen).toBe(false);
    expect(run({ type: "help", open: true }, { type: "help", open: false }).helpOpen).toBe(false);
  });

  it("overlay, opacity, auto-zoom, zoom and letters", () => {
    const letters = new Map([[0, "r"]]);
    const state = run(
      { type: "overlay", on: "toggle" },
      { type: "opacity", opacity: 0.3 },
      { type: "auto-zoom", on: false },
      { type: "zoom", scale: 2.5 },
      { type: "letters", letters },
    );
    expect(state).toMatchObject({ overlayOn: false, opacity: 0.3, autoZoom: false, zoom: 2.5 });
    expect(state.letters).toBe(letters);
    expect(annotateReducer(state, { type: "overlay", on: true }).overlayOn).toBe(true);
  });

  it("returns the same state when nothing changes (no render)", () => {
    const state = run({ type: "zoom", scale: 2 });
    for (const action of [
      { type: "zoom", scale: 2 },
      { type: "opacity", opacity: 0.6 },
      { type: "auto-zoom", on: true },
      { type: "help", open: false },
      { type: "save-state", state: "idle" },
    ] satisfies AnnotateAction[]) {
      expect(annotateReducer(state, action)).toBe(state);
    }
  });

  it("createAnnotateStore starts from the initial state and tells subscribers about changes", () => {
    const store = createAnnotateStore();
    let calls = 0;
    store.subscribe(() => calls++);
    store.dispatch({ type: "zoom", scale: 1 });
    store.dispatch({ type: "loading" });
    expect(calls).toBe(1);
    expect(store.getState().phase.kind).toBe("loading");
  });
});

describe("submitting", () => {
  it("waits for every point, or for every requested pixel unless forced", () => {
    expect(submitBlocker({ kind: "points", complete: true })).toBeNull();
    expect(submitBlocker({ kind: "points", complete: false })).toBe("Label every point before submitting.");
    expect(submitBlocker({ kind: "region", complete: false, unlabelled: 1500 })).toBe(
      "1,500 requested pixels are still unlabelled — press N to find them, or Shift+Enter to submit anyway.",
    );
  });

  it("retries network failures and server errors only", () => {
    expect(isTransient(new NetworkError(new Error("offline")))).toBe(true);
    expect(isTransient(new ApiError(503, "busy"))).toBe(true);
    expect(isTransient(new ApiError(409, "lease expired"))).toBe(false);
    expect(isTransient(new Error("bug"))).toBe(false);
  });

  it("a task that is gone can only be left; other failures can be retried", () => {
    for (const status of [404, 409, 410]) {
      expect(submitFailure(new ApiError(status, "x"), "x")).toEqual({ message: "This task can no longer be submitted: x", retry: "next" });
    }
    expect(submitFailure(new ApiError(500, "x"), "HTTP 500")).toEqual({ message: "Submit failed: HTTP 500", retry: "submit" });
    expect(submitFailure(new NetworkError(new Error("offline")), "offline")).toEqual({ message: "Submit failed: offline", retry: "submit" });
  });
});

describe("pickPrevious", () => {
  const submitted = [{ id: 9 }, { id: 8 }, { id: 5 }]; // newest first

  it("from a leased task (or none), reopens the newest submission", () => {
    expect(pickPrevious(submitted, { taskId: 12, correction: false })).toEqual({ task: { id: 9 } });
    expect(pickPrevious(submitted, null)).toEqual({ task: { id: 9 } });
  });

  it("from a correction, steps one further back", () => {
    expect(pickPrevious(submitted, { taskId: 8, correction: true })).toEqual({ task: { id: 5 } });
    expect(pickPrevious(submitted, { taskId: 5, correction: true })).toEqual({ notice: "That was your oldest submission." });
  });

  it("with nothing submitted, says so", () => {
    expect(pickPrevious([], null)).toEqual({ notice: "You have not submitted any task in this project yet." });
  });
});

describe("routeKey", () => {
  const ready = { phase: { kind: "ready" } as const, helpOpen: false, session: session() };
  const where = { onButton: false, hasProject: true };

  it("? toggles the cheat sheet anywhere; Escape closes it only when open", () => {
    expect(routeKey({ type: "help" }, { ...ready, phase: { kind: "loading" } }, where)).toEqual({ run: "help-toggle" });
    expect(routeKey({ type: "close" }, { ...ready, helpOpen: true }, where)).toEqual({ run: "help-close" });
    expect(routeKey({ type: "close" }, ready, where)).toBeNull();
  });

  it("while the cheat sheet is open, other keys do nothing", () => {
    expect(routeKey({ type: "class", classId: 1 }, { ...ready, helpOpen: true }, where)).toBeNull();
    expect(routeKey({ type: "submit", force: false }, { ...ready, helpOpen: true }, where)).toBeNull();
  });

  it("Enter submits a ready task, loads one from the idle or empty stage, and leaves focused buttons alone", () => {
    expect(routeKey({ type: "submit", force: true }, ready, where)).toEqual({ run: "submit", force: true });
    expect(routeKey({ type: "submit", force: false }, { ...ready, phase: { kind: "idle" }, session: null }, where)).toEqual({ run: "next" });
    expect(routeKey({ type: "submit", force: false }, { ...ready, phase: { kind: "empty" }, session: null }, where)).toEqual({ run: "next" });
    expect(routeKey({ type: "submit", force: false }, { ...ready, phase: { kind: "idle" }, session: null }, { ...where, hasProject: false })).toEqual({
      run: "none",
    });
    expect(routeKey({ type: "submit", force: false }, { ...ready, phase: { kind: "submitting" } }, where)).toEqual({ run: "none" });
    expect(routeKey({ type: "submit", force: false }, ready, { ...where, onButton: true })).toBeNull();
  });

  it("editing and view keys act only while the task is ready", () => {
    expect(routeKey({ type: "undo" }, ready, where)).toEqual({ run: "action", action: { type: "undo" } });
    expect(routeKey({ type: "undo" }, { ...ready, phase: { kind: "loading" } }, where)).toBeNull();
    expect(routeKey({ type: "class", classId: 2 }, { ...ready, phase: { kind: "error", message: "x", retry: "next" } }, where)).toBeNull();
  });
});

describe("progressOf", () => {
  it("counts requested pixels in region mode", () => {
    const editor = new RegionEditor(2, 2, new Uint8Array([1, 1, 0, 1]), [0, 1], null);
    expect(progressOf(editor)).toEqual({ done: 0, total: 3, unit: "pixels" });
  });

  it("counts points", () => {
    const s = session();
    expect(progressOf(null)).toBeNull();
    expect(progressOf(s.editor)).toEqual({ done: 0, total: 1, unit: "points" });
    if (s.editor.kind === "points") s.editor.label(0);
    expect(progressOf(s.editor)).toEqual({ done: 1, total: 1, unit: "points" });
  });
});
