/**
 * What each editing or view action (a key, a button) does on the annotate
 * screen, and the screen's keydown listener. Which key means what is
 * domain/keys.ts; when a key applies is `routeKey` (annotateStore.ts).
 */

import { mapKey, type KeyAction } from "../domain/keys";
import type { AnnotateController } from "./annotateController";
import { routeKey } from "./annotateStore";

/** Runs `action` on the open task or the view; false when it does not apply here. */
export function runAction(ctl: AnnotateController, action: KeyAction): boolean {
  const { renderer } = ctl.stage;
  switch (action.type) {
    case "overview":
      ctl.store.dispatch({ type: "auto-zoom", on: false });
      renderer.fit();
      return true;
    case "zoom":
      renderer.zoomAt(action.step > 0 ? 1.4 : 1 / 1.4);
      return true;
    case "toggle-overlay":
      ctl.store.dispatch({ type: "overlay", on: "toggle" });
      return true;
    default:
      break;
  }
  const s = ctl.state.session;
  if (!s) return false;
  const e = s.editor;
  switch (action.type) {
    case "class":
      ctl.pickClass(action.classId);
      return true;
    case "undo":
      if (!e.undo()) ctl.notice("Nothing to undo.", "warn");
      return true;
    case "redo":
      if (!e.redo()) ctl.notice("Nothing to redo.", "warn");
      return true;
    default:
      break;
  }
  if (e.kind === "points") {
    switch (action.type) {
      case "unsure":
        e.unsure();
        return true;
      case "next":
        e.next();
        return true;
      case "prev":
        e.prev();
        return true;
      case "clear":
        e.clear();
        return true;
      case "auto-zoom": {
        const on = !ctl.state.autoZoom;
        ctl.store.dispatch({ type: "auto-zoom", on });
        if (on) requestAnimationFrame(() => ctl.stage.focusCurrent());
        return true;
      }
      default:
        return false;
    }
  }
  switch (action.type) {
    case "unsure":
      e.setTool("eraser");
      return true;
    case "tool":
      e.setTool(action.tool);
      renderer.invalidateUi();
      return true;
    case "brush-size":
      e.stepBrush(action.step);
      renderer.invalidateUi();
      return true;
    case "prefill":
      void ctl.prefill();
      return true;
    case "next-unlabelled":
      ctl.jumpToUnlabelled();
      return true;
    default:
      return false;
  }
}

/** The keydown listener: ignores keys while signing in again and in form fields. */
export function onKeyDown(ctl: AnnotateController, e: KeyboardEvent): void {
  if (ctl.context.loginOpen || e.defaultPrevented) return;
  const target = e.target as HTMLElement | null;
  if (target?.closest("input, textarea, select, [contenteditable='true']")) return;
  const state = ctl.state;
  const action = mapKey(e, { mode: state.session?.editor.kind ?? "points", classIds: ctl.classIds(), letters: state.letters });
  if (!action) return;
  const route = routeKey(action, state, { onButton: Boolean(target?.closest("button, a")), hasProject: ctl.context.projectId !== null });
  if (!route) return;
  if (route.run === "action") {
    if (runAction(ctl, route.action)) e.preventDefault();
    return;
  }
  e.preventDefault();
  if (route.run === "help-toggle") ctl.store.dispatch({ type: "help", open: "toggle" });
  else if (route.run === "help-close") ctl.store.dispatch({ type: "help", open: false });
  else if (route.run === "submit") void ctl.submit(route.force);
  else if (route.run === "next") void ctl.loadNext();
}
