import { useEffect, useState } from "preact/hooks";
import { AnnotateController, type AnnotateContext } from "./annotateController";
import type { AnnotateState } from "./annotateStore";
import type { Session } from "./annotationSession";
import { useStore } from "./hooks";

const HEARTBEAT_MS = 5 * 60 * 1000; // keeps the lease (and the time) fresh while a task is open
const NOTICE_MS = 4500;

/**
 * The annotate screen's controller for the component's lifetime, fed the latest
 * context on every render, with its page wiring: resume on entering a project,
 * class letters, saves on page hide and unmount, lease heartbeat, stopwatch,
 * notice timeout, keyboard. Renders again on every store or editor change (and
 * every second while a task is open, for the timer).
 */
export function useAnnotate(ctx: AnnotateContext): { ctl: AnnotateController; state: AnnotateState } {
  const [ctl] = useState(() => new AnnotateController(ctx));
  ctl.update(ctx);
  const state = useStore(ctl.store);
  const { session, phase, notice } = state;
  const { project, projectId, letterStore, loginOpen } = ctx;
  useEditorTick(session);

  useEffect(() => {
    if (project) ctl.loadLetters(project);
  }, [ctl, project, letterStore]);

  useEffect(() => {
    void ctl.resume();
  }, [ctl, projectId, project]);

  // Leaving the page: finish the last save.
  useEffect(() => {
    const onHide = (): void => {
      if (document.visibilityState === "hidden") ctl.flushKeepalive();
    };
    const onPageHide = (): void => ctl.flushKeepalive();
    document.addEventListener("visibilitychange", onHide);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      document.removeEventListener("visibilitychange", onHide);
      window.removeEventListener("pagehide", onPageHide);
    };
  }, [ctl]);

  useEffect(() => () => ctl.dispose(), [ctl]);

  useEffect(() => {
    if (!session || session.correction) return;
    const id = setInterval(() => ctl.heartbeat(), HEARTBEAT_MS);
    return () => clearInterval(id);
  }, [ctl, session]);

  useEffect(() => {
    const sync = (): void => ctl.syncStopwatch();
    sync();
    document.addEventListener("visibilitychange", sync);
    return () => document.removeEventListener("visibilitychange", sync);
  }, [ctl, phase.kind, loginOpen]);

  useTicker(phase.kind === "ready", 1000);

  useEffect(() => {
    if (!notice) return;
    const id = setTimeout(() => ctl.store.dispatch({ type: "dismiss-notice" }), NOTICE_MS);
    return () => clearTimeout(id);
  }, [ctl, notice]);

  useEffect(() => {
    window.addEventListener("keydown", ctl.onKey);
    return () => window.removeEventListener("keydown", ctl.onKey);
  }, [ctl]);

  return { ctl, state };
}

/** Renders again whenever the session's editor reports a change. */
function useEditorTick(session: Session | null): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!session) return;
    return session.editor.subscribe(() => setTick((t) => t + 1));
  }, [session]);
}

/** Renders again every `ms` while `active`. */
function useTicker(active: boolean, ms: number): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(id);
  }, [active, ms]);
}
