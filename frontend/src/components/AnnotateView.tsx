import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, errorText, NetworkError, type Project, type Task } from "../api";
import { buildSubmission, createSession, type Session } from "../annotationSession";
import { useApp } from "../context";
import { AutoSaver, type SaveState } from "../draft";
import { formatDuration, formatInt } from "../format";
import { focusScale, isInView } from "../geometry";
import { useLoader } from "../hooks";
import { assignLetter, mapKey, type KeyAction } from "../keys";
import { availability } from "../landing";
import { ClientKeys, withRetry } from "../submission";
import { disposeTask, loadPrediction, loadTask } from "../taskLoader";
import { Stopwatch } from "../timer";
import { ViewRenderer } from "../viewRenderer";
import { EmptyStage } from "./EmptyStage";
import { HelpOverlay } from "./HelpOverlay";
import { CURRENT_COLOUR, drawBox, drawBrush, drawPoints, labelColour } from "./markers";
import { IdlePanel, PointPanel } from "./PointPanel";
import { RegionPanel } from "./RegionPanel";
import { ViewControls } from "./ViewControls";
import { Viewport } from "./Viewport";

type Phase =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "ready" }
  | { kind: "submitting" }
  | { kind: "empty" }
  | { kind: "error"; message: string; retry: "submit" | "next" };

type Notice = { text: string; tone: "ok" | "warn"; seq: number };

const HEARTBEAT_MS = 5 * 60 * 1000; // keeps the lease (and the time) fresh while a task is open
const SUBMIT_RETRY = { shouldRetry: (e: unknown) => e instanceof NetworkError || (e instanceof ApiError && e.status >= 500) };

/** Re-renders the component whenever `editor` reports a change. */
function useEditorTick(session: Session | null): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!session) return;
    return session.editor.subscribe(() => setTick((t) => t + 1));
  }, [session]);
  return tick;
}

export function AnnotateView({ projectId }: { projectId: number | null }) {
  const { api, navigate, loginOpen, user, currentTasks, letters: letterStore, submitted } = useApp();
  const projects = useLoader(() => api.listProjects(), "projects");
  // What there is to label: decides the empty stage, and is polled while a round runs.
  const rounds = useLoader(() => (projectId === null ? Promise.resolve([]) : api.listRounds(projectId)), projectId, {
    intervalMs: 3000,
    pollWhile: (list) => availability(list).kind === "running",
  });
  const project: Project | null = projects.data?.find((p) => p.id === projectId) ?? null;
  const classes = useMemo(() => project?.classes ?? [], [project]);
  const colours = useMemo(() => new Map(classes.map((c) => [c.id, c.colour])), [classes]);
  const classIds = useMemo(() => classes.map((c) => c.id), [classes]);

  const [session, setSession] = useState<Session | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [helpOpen, setHelpOpen] = useState(false);
  const [notice, setNoticeState] = useState<Notice | null>(null);
  const [saveState, setSaveState] = useState<SaveState>("idle");
  const [letters, setLetters] = useState<Map<number, string>>(new Map());
  const [opacity, setOpacity] = useState(0.6);
  const [overlayOn, setOverlayOn] = useState(true);
  const [autoZoom, setAutoZoom] = useState(true);
  const [zoom, setZoom] = useState(1);
  const [submittedCount, setSubmittedCount] = useState(0);
  const [, forceTick] = useState(0);
  const tick = useEditorTick(session);

  const renderer = useMemo(() => new ViewRenderer(), []);
  const stopwatch = useRef(new Stopwatch());
  const clientKeys = useRef(new ClientKeys());
  const saver = useRef<AutoSaver | null>(null);
  const sessionRef = useRef<Session | null>(null);
  sessionRef.current = session;
  const hover = useRef<{ x: number; y: number } | null>(null);
  const flash = useRef<{ box: { x0: number; y0: number; x1: number; y1: number }; until: number } | null>(null);
  const prediction = useRef<{ taskId: number; data: Uint8Array | null } | null>(null);
  const lastJump = useRef(-1);
  const autoZoomRef = useRef(autoZoom);
  autoZoomRef.current = autoZoom;

  const setNotice = useCallback((text: string | null, tone: "ok" | "warn" = "ok") => {
    setNoticeState((prev) => (text === null ? null : { text, tone, seq: (prev?.seq ?? 0) + 1 }));
  }, []);

  useEffect(() => {
    if (project) setLetters(letterStore.load(project.id, project.classes));
  }, [project, letterStore]);

  // Only one project: pick it.
  useEffect(() => {
    const list = projects.data;
    const only = list?.[0];
    if (projectId === null && list?.length === 1 && only) navigate({ view: "annotate", projectId: only.id }, { replace: true });
  }, [projects.data, projectId, navigate]);

  // --- session lifecycle ---------------------------------------------------------------

  const endSession = useCallback(
    async (options: { flush: boolean }) => {
      const s = saver.current;
      saver.current = null;
      if (s) {
        if (options.flush) await s.flush();
        s.dispose();
      }
      const old = sessionRef.current;
      sessionRef.current = null;
      setSession(null);
      disposeTask(old?.loaded ?? null);
      prediction.current = null;
    },
    [],
  );

  const open = useCallback(
    async (task: Task, correction: boolean) => {
      if (!project) return;
      const loaded = await loadTask(api, task);
      const draft = correction ? submitted.get(user.id, task.id) : task.draft;
      const s = await createSession(loaded, project.classes, correction, draft);
      stopwatch.current.reset(s.secondsSpent * 1000);
      clientKeys.current = new ClientKeys();
      if (!correction) {
        const autosave = new AutoSaver(() => s.editor.draft(stopwatch.current.elapsedSeconds()), {
          save: (body, o) => api.saveDraft(task.id, body, o),
          delayMs: 1000,
          busy: () => s.editor.kind === "region" && s.editor.painting,
          onState: (state, err) => {
            setSaveState(state);
            if (err instanceof ApiError && err.status === 409) {
              setPhase({ kind: "error", message: `Your lease on this task ended: ${err.message}`, retry: "next" });
            }
          },
        });
        saver.current = autosave;
        s.editor.subscribe((change) => {
          if (change === "labels") autosave.changed();
        });
      }
      setSaveState(s.restored ? "saved" : "idle");
      currentTasks.set(user.id, project.id, { taskId: task.id, correction });
      sessionRef.current = s;
      setSession(s);
      setPhase({ kind: "ready" });
      if (s.restored) setNotice(correction ? "Your submitted labels are loaded: correct them and submit." : "Your draft was restored.");
      else if (correction) setNotice("Correcting a submitted task (its earlier labels are not available here).", "warn");
      (document.activeElement as HTMLElement | null)?.blur();
    },
    [api, project, submitted, user.id, currentTasks, setNotice],
  );

  const loadNext = useCallback(async () => {
    if (projectId === null || !project) return;
    const previousId = sessionRef.current?.loaded.task.id ?? null;
    setPhase({ kind: "loading" });
    await endSession({ flush: true });
    try {
      const task = await api.nextTask(projectId);
      if (!task) {
        currentTasks.clear(user.id, projectId);
        setPhase({ kind: "empty" });
        return;
      }
      await open(task, false);
      if (previousId !== null && previousId === task.id) setNotice("You still hold this task: submit or skip it first.", "warn");
    } catch (err) {
      setPhase({ kind: "error", message: errorText(err), retry: "next" });
    }
  }, [api, projectId, project, endSession, open, currentTasks, user.id, setNotice]);

  // Resume what this browser was doing (a reload, a new tab): the server hands back our own lease with its draft.
  const resumedFor = useRef<number | null>(null);
  useEffect(() => {
    if (projectId === null || !project || resumedFor.current === projectId) return;
    resumedFor.current = projectId;
    const mark = currentTasks.get(user.id, projectId);
    if (!mark) return;
    void (async () => {
      if (mark.correction) {
        try {
          const task = await api.getTask(mark.taskId);
          if (task.status === "done") {
            setPhase({ kind: "loading" });
            await open(task, true);
            return;
          }
        } catch {
          // gone: fall through to the queue
        }
      }
      const before = mark.taskId;
      await loadNext();
      const now = sessionRef.current?.loaded.task.id;
      if (!mark.correction && now !== undefined && now !== before) {
        setNotice("Your lease on the previous task expired; here is a new one.", "warn");
      }
    })();
  }, [projectId, project, api, currentTasks, user.id, open, loadNext, setNotice]);

  // Leaving the page: finish the last save (keepalive lets it outlive the page).
  useEffect(() => {
    const onHide = (): void => {
      if (document.visibilityState === "hidden") void saver.current?.flush({ keepalive: true });
    };
    const onPageHide = (): void => void saver.current?.flush({ keepalive: true });
    document.addEventListener("visibilitychange", onHide);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      document.removeEventListener("visibilitychange", onHide);
      window.removeEventListener("pagehide", onPageHide);
    };
  }, []);

  useEffect(
    () => () => {
      const s = saver.current;
      if (s) void s.flush().then(() => s.dispose());
      disposeTask(sessionRef.current?.loaded ?? null);
    },
    [],
  );

  // Lease heartbeat: an autosave every few minutes while the task is open.
  useEffect(() => {
    if (!session || session.correction) return;
    const id = setInterval(() => saver.current?.changed(), HEARTBEAT_MS);
    return () => clearInterval(id);
  }, [session]);

  // The stopwatch runs while a task is on screen, the page is visible and no login form is up.
  useEffect(() => {
    const sw = stopwatch.current;
    const sync = (): void => {
      if (phase.kind === "ready" && !loginOpen && !document.hidden) sw.start();
      else sw.pause();
    };
    sync();
    document.addEventListener("visibilitychange", sync);
    return () => document.removeEventListener("visibilitychange", sync);
  }, [phase.kind, loginOpen]);

  useEffect(() => {
    if (phase.kind !== "ready") return;
    const id = setInterval(() => forceTick((t) => t + 1), 1000);
    return () => clearInterval(id);
  }, [phase.kind]);

  useEffect(() => {
    if (!notice) return;
    const id = setTimeout(() => setNoticeState(null), 4500);
    return () => clearTimeout(id);
  }, [notice]);

  // --- drawing -----------------------------------------------------------------------------

  const focusCurrent = useCallback(() => {
    const s = sessionRef.current;
    if (!s || s.editor.kind !== "points") return;
    const p = s.editor.currentPoint;
    const { width, height } = renderer.viewSize;
    if (!p || width === 0) return;
    const fit = renderer.fitTransform();
    const scale = focusScale(fit, width, height);
    if (scale <= fit.scale * 1.05) {
      // A small image: the whole of it is already as close as auto-zoom would go.
      renderer.fit();
      return;
    }
    const centre = { x: p.x + 0.5, y: p.y + 0.5 };
    if (Math.abs(renderer.transform.scale - scale) < 1e-6 && isInView(renderer.transform, centre, width, height, 80)) return;
    renderer.focus(centre, scale);
  }, [renderer]);

  useEffect(() => {
    if (!session) return;
    const { editor, loaded, overlay } = session;
    renderer.setContent(loaded.image, loaded.task.width, loaded.task.height, overlay?.canvas ?? null);
    if (editor.kind === "region") {
      renderer.beforeFrame = () => {
        const r = editor.takeDirty();
        if (r.x1 > r.x0) {
          session.paint(r);
          renderer.invalidate(r);
        }
      };
      renderer.drawUi = (ctx, t) => {
        const f = flash.current;
        if (f && f.until > performance.now()) drawBox(ctx, t, f.box, CURRENT_COLOUR);
        const h = hover.current;
        if (!h) return;
        if (editor.tool === "fill") {
          const box = editor.raster.components.boxes[editor.hoverSegment];
          if (box) drawBox(ctx, t, box, labelColour(colours, editor.activeClass));
        } else {
          drawBrush(ctx, t, h, editor.brushSize, labelColour(colours, editor.activeClass), editor.tool === "eraser");
        }
      };
    } else {
      renderer.beforeFrame = null;
      renderer.drawUi = (ctx, t) => drawPoints(ctx, t, editor.points, editor.state.labels, editor.current, colours);
    }
    const unsubscribe = editor.subscribe(() => {
      renderer.invalidateUi();
      renderer.requestFrame();
    });
    if (editor.kind === "points" && autoZoomRef.current) requestAnimationFrame(() => focusCurrent());
    return unsubscribe;
  }, [session, renderer, colours, focusCurrent]);

  // Point mode: follow the current point.
  const lastCurrent = useRef(-1);
  useEffect(() => {
    if (session?.editor.kind !== "points") return;
    const c = session.editor.current;
    // The ref, not this render's value: "overview" may have turned auto-zoom off since.
    if (c !== lastCurrent.current && autoZoomRef.current) focusCurrent();
    lastCurrent.current = c;
  }, [session, tick, focusCurrent]);

  useEffect(() => {
    renderer.setOpacity(opacity, overlayOn);
  }, [renderer, opacity, overlayOn]);

  // --- actions -----------------------------------------------------------------------------

  const submit = useCallback(
    async (force: boolean) => {
      const s = sessionRef.current;
      if (!s || phase.kind === "submitting") return;
      const { editor, loaded } = s;
      if (!editor.complete && !force) {
        setNotice(
          editor.kind === "points"
            ? "Label every point before submitting."
            : `${formatInt(editor.unlabelled)} requested pixels are still unlabelled — press N to find them, or Shift+Enter to submit anyway.`,
          "warn",
        );
        return;
      }
      setPhase({ kind: "submitting" });
      try {
        const seconds = stopwatch.current.elapsedSeconds();
        const { body, cache } = await buildSubmission(s, seconds);
        const clientKey = clientKeys.current.keyFor(loaded.task.id, body.region_png ?? body.labels);
        const res = await withRetry(() => api.submitTask(loaded.task.id, { ...body, client_key: clientKey }), SUBMIT_RETRY);
        clientKeys.current.done();
        submitted.put(user.id, loaded.task.id, cache);
        saver.current?.dispose();
        saver.current = null;
        setSubmittedCount((n) => n + 1);
        setNotice(
          `${s.correction ? "Correction saved" : "Submitted"} · task ${loaded.task.id} · ${formatInt(res.labelled_pixels)} pixels labelled`,
        );
        await loadNext();
      } catch (err) {
        const gone = err instanceof ApiError && (err.status === 404 || err.status === 409 || err.status === 410);
        setPhase({
          kind: "error",
          message: gone ? `This task can no longer be submitted: ${errorText(err)}` : `Submit failed: ${errorText(err)}`,
          retry: gone ? "next" : "submit",
        });
      }
    },
    [api, phase.kind, loadNext, setNotice, submitted, user.id],
  );

  const skip = useCallback(async () => {
    const s = sessionRef.current;
    if (!s || s.correction) return;
    const labelled = s.editor.kind === "points" ? s.editor.done : s.editor.raster.labelledCount;
    if (labelled > 0 && !window.confirm("Skip this task? Its labels are dropped and it goes to someone else.")) return;
    try {
      saver.current?.dispose();
      saver.current = null;
      await api.skipTask(s.loaded.task.id);
      setNotice(`Task ${s.loaded.task.id} skipped.`);
      await loadNext();
    } catch (err) {
      setPhase({ kind: "error", message: `Skip failed: ${errorText(err)}`, retry: "next" });
    }
  }, [api, loadNext, setNotice]);

  const previous = useCallback(async () => {
    if (projectId === null) return;
    const s = sessionRef.current;
    try {
      await saver.current?.flush();
      const list = await api.submittedTasks(projectId, 50);
      const at = s?.correction ? list.findIndex((t) => t.id === s.loaded.task.id) : -1;
      const target = list[at + 1];
      if (!target) {
        setNotice(at >= 0 ? "That was your oldest submission." : "You have not submitted any task in this project yet.", "warn");
        return;
      }
      setPhase({ kind: "loading" });
      await endSession({ flush: true });
      await open(target, true);
    } catch (err) {
      setPhase({ kind: "error", message: errorText(err), retry: "next" });
    }
  }, [api, projectId, endSession, open, setNotice]);

  const prefill = useCallback(async () => {
    const s = sessionRef.current;
    if (!s || s.editor.kind !== "region") return;
    const editor = s.editor;
    try {
      let cached = prediction.current;
      if (cached?.taskId !== s.loaded.task.id) {
        cached = { taskId: s.loaded.task.id, data: await loadPrediction(api, s.loaded.task) };
        prediction.current = cached;
      }
      if (!cached.data) {
        setNotice("This task has no model prediction.", "warn");
        return;
      }
      const n = editor.prefill(cached.data, new Set(classIds));
      setNotice(n > 0 ? `Pre-filled ${formatInt(n)} pixels from the model — check and correct them.` : "Nothing left to pre-fill.");
    } catch (err) {
      setNotice(`Could not load the prediction: ${errorText(err)}`, "warn");
    }
  }, [api, classIds, setNotice]);

  const jumpToUnlabelled = useCallback(() => {
    const s = sessionRef.current;
    if (!s || s.editor.kind !== "region") return;
    const next = s.editor.nextUnlabelled(lastJump.current);
    if (!next) {
      setNotice("Every requested pixel is labelled.");
      return;
    }
    lastJump.current = next.id;
    const { width, height } = renderer.viewSize;
    const span = Math.max(next.box.x1 - next.box.x0, next.box.y1 - next.box.y0);
    const scale = Math.min(renderer.fitTransform().scale * 8, Math.min(width, height) / Math.max(span + 20, 40));
    renderer.showRect(next.box, Math.max(renderer.fitTransform().scale, scale));
    flash.current = { box: next.box, until: performance.now() + 1600 };
    renderer.invalidateUi();
    setTimeout(() => renderer.invalidateUi(), 1700);
  }, [renderer, setNotice]);

  const setLetter = useCallback(
    (classId: number, letter: string): string | null => {
      if (!project) return null;
      const r = assignLetter(letters, classId, letter);
      if (!r.ok) return r.error;
      setLetters(r.letters);
      letterStore.save(project.id, r.letters);
      return null;
    },
    [letters, letterStore, project],
  );

  const pickClass = useCallback((classId: number) => {
    const s = sessionRef.current;
    if (!s) return;
    if (s.editor.kind === "points") s.editor.label(classId);
    else s.editor.setActiveClass(classId);
  }, []);

  const handleAction = useCallback(
    (action: KeyAction): boolean => {
      const s = sessionRef.current;
      switch (action.type) {
        case "overview":
          autoZoomRef.current = false; // now: an effect of the last key press may still be pending
          setAutoZoom(false);
          renderer.fit();
          return true;
        case "zoom":
          renderer.zoomAt(action.step > 0 ? 1.4 : 1 / 1.4);
          return true;
        case "toggle-overlay":
          setOverlayOn((v) => !v);
          return true;
        default:
          break;
      }
      if (!s) return false;
      const e = s.editor;
      switch (action.type) {
        case "class":
          pickClass(action.classId);
          return true;
        case "undo":
          if (!e.undo()) setNotice("Nothing to undo.", "warn");
          return true;
        case "redo":
          if (!e.redo()) setNotice("Nothing to redo.", "warn");
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
            const on = !autoZoomRef.current;
            autoZoomRef.current = on;
            setAutoZoom(on);
            if (on) requestAnimationFrame(() => focusCurrent());
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
          void prefill();
          return true;
        case "next-unlabelled":
          jumpToUnlabelled();
          return true;
        default:
          return false;
      }
    },
    [renderer, pickClass, setNotice, focusCurrent, prefill, jumpToUnlabelled],
  );

  // Keyboard: one listener, reading the latest state through a ref.
  const latest = useRef({ phase, helpOpen, loginOpen, projectId, submit, loadNext, handleAction, letters, classIds, session });
  latest.current = { phase, helpOpen, loginOpen, projectId, submit, loadNext, handleAction, letters, classIds, session };
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const s = latest.current;
      if (s.loginOpen || e.defaultPrevented) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable='true']")) return;
      const mode = s.session?.editor.kind ?? "points";
      const action = mapKey(e, { mode, classIds: s.classIds, letters: s.letters });
      if (!action) return;
      if (action.type === "help") {
        e.preventDefault();
        setHelpOpen((o) => !o);
        return;
      }
      if (action.type === "close") {
        if (s.helpOpen) {
          e.preventDefault();
          setHelpOpen(false);
        }
        return;
      }
      if (s.helpOpen) return;
      if (action.type === "submit") {
        if (target?.closest("button, a")) return; // Enter on a focused button keeps its meaning
        e.preventDefault();
        if (s.phase.kind === "ready" && s.session) void s.submit(action.force);
        else if ((s.phase.kind === "idle" || s.phase.kind === "empty") && s.projectId !== null) void s.loadNext();
        return;
      }
      if (s.phase.kind !== "ready") return;
      if (s.handleAction(action)) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // --- pointer -------------------------------------------------------------------------------

  const editor = session?.editor ?? null;
  const regionEditor = editor?.kind === "region" ? editor : null;
  const stroke = useMemo(
    () =>
      regionEditor
        ? {
            begin: (p: { x: number; y: number }, e: PointerEvent) => {
              if (latest.current.phase.kind !== "ready") return;
              if (regionEditor.tool === "fill" || e.shiftKey) {
                if (!regionEditor.fillAt(p.x, p.y, e.altKey)) setNotice("Click inside a highlighted segment to fill it.", "warn");
                renderer.requestFrame();
                return;
              }
              regionEditor.beginStroke(p.x, p.y, e.altKey);
              renderer.requestFrame();
            },
            move: (p: { x: number; y: number }) => {
              hover.current = p;
              if (regionEditor.painting) {
                regionEditor.moveStroke(p.x, p.y);
                renderer.requestFrame();
              }
              renderer.invalidateUi();
            },
            end: () => {
              regionEditor.endStroke();
              renderer.requestFrame();
            },
          }
        : undefined,
    [regionEditor, renderer, setNotice],
  );

  const onHover = useCallback(
    (p: { x: number; y: number } | null) => {
      hover.current = p;
      const e = sessionRef.current?.editor;
      if (e?.kind === "region") {
        if (p && e.tool === "fill") e.setHover(p.x, p.y);
        renderer.invalidateUi();
      }
    },
    [renderer],
  );

  const onClick = useCallback(
    (p: { x: number; y: number }) => {
      const s = sessionRef.current;
      if (s?.editor.kind !== "points") return;
      const t = renderer.transform;
      // Nearest point within 14 CSS px of the click.
      let best = -1;
      let bestD = 14 * 14;
      s.editor.points.forEach((q, i) => {
        const dx = (q.x + 0.5 - p.x) * t.scale;
        const dy = (q.y + 0.5 - p.y) * t.scale;
        const d = dx * dx + dy * dy;
        if (d <= bestD) {
          bestD = d;
          best = i;
        }
      });
      if (best >= 0) s.editor.goto(best);
    },
    [renderer],
  );

  // --- render --------------------------------------------------------------------------------

  const busy = phase.kind === "loading" || phase.kind === "submitting";
  const task = session?.loaded.task ?? null;
  const complete = editor?.complete ?? false;
  const pointEditor = editor?.kind === "points" ? editor : null;
  const progress = pointEditor
    ? { done: pointEditor.done, total: pointEditor.total, unit: "points" }
    : regionEditor
      ? { done: regionEditor.raster.labelledCount, total: regionEditor.requested, unit: "pixels" }
      : null;

  return (
    <div class="annotate" data-task-id={task?.id ?? ""} data-mode={editor?.kind ?? ""} data-testid="annotate">
      <div class="toolbar">
        <label class="toolbar-field">
          <span class="sr-only">Project</span>
          <select
            data-testid="project-select"
            value={projectId === null ? "" : String(projectId)}
            onChange={(e) => {
              const v = e.currentTarget.value;
              void endSession({ flush: true });
              navigate({ view: "annotate", projectId: v === "" ? null : Number(v) });
              e.currentTarget.blur();
            }}
          >
            <option value="">Choose a project…</option>
            {projects.data?.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        {session && !session.correction && (
          <button type="button" class="btn" data-testid="skip-task" disabled={busy} onClick={() => void skip()} title="Give this task to someone else">
            Skip
          </button>
        )}
        {session?.correction && (
          <button type="button" class="btn" data-testid="back-to-current" disabled={busy} onClick={() => void loadNext()}>
            Back to current task
          </button>
        )}
        {!session && (
          <button type="button" class="btn" data-testid="next-task" disabled={projectId === null || busy} onClick={() => void loadNext()}>
            Next task
          </button>
        )}
        <button
          type="button"
          class="btn btn-ghost"
          data-testid="previous-task"
          disabled={projectId === null || busy}
          onClick={() => void previous()}
          title="Reopen your previous submission to correct it"
        >
          ← Previous
        </button>
        {task && (
          <span class="task-chip" data-testid="task-info" title={task.image_name}>
            {session?.correction ? "Correcting " : ""}Task {task.id} · {task.image_name}
          </span>
        )}
        <div class="toolbar-spacer" />
        {progress && (
          <div class="counter">
            <div class="counter-text" data-testid="point-counter" aria-live="polite">
              {formatInt(progress.done)} / {formatInt(progress.total)} {progress.unit}
            </div>
            <div class="counter-bar">
              <div class="counter-fill" style={{ width: `${progress.total === 0 ? 100 : (100 * progress.done) / progress.total}%` }} />
            </div>
          </div>
        )}
        {session && <SaveIndicator state={session.correction ? "correction" : saveState} />}
        {session && (
          <span class="timer" title="Time on this task (pauses while the page is hidden)">
            {formatDuration(stopwatch.current.elapsedSeconds())}
          </span>
        )}
        <button
          type="button"
          class="btn btn-primary"
          data-testid="submit-task"
          disabled={!session || phase.kind !== "ready"}
          onClick={() => {
            if (!complete && regionEditor) {
              if (window.confirm(`${formatInt(regionEditor.unlabelled)} requested pixels are unlabelled. Submit anyway?`)) void submit(true);
              return;
            }
            void submit(false);
          }}
          title="Submit (Enter)"
        >
          {phase.kind === "submitting" ? "Submitting…" : "Submit"}
          <kbd class="kbd kbd-on-primary">Enter</kbd>
        </button>
        <button
          type="button"
          class="btn btn-ghost btn-icon"
          data-testid="help-button"
          onClick={() => setHelpOpen(true)}
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
        >
          ?
        </button>
      </div>

      <div class="workspace">
        <section class="stage">
          {notice && (
            <div key={notice.seq} class={`toast toast-${notice.tone}`} role="status" data-testid="notice">
              {notice.text}
              <button type="button" class="toast-close" onClick={() => setNotice(null)} aria-label="Dismiss">
                ×
              </button>
            </div>
          )}
          {projects.error && <div class="alert alert-error">Could not load projects: {projects.error}</div>}
          {session && task ? (
            <>
              <Viewport
                renderer={renderer}
                leftDragPans={session.editor.kind === "points"}
                cursor={regionEditor ? (regionEditor.tool === "fill" ? "cell" : "none") : "default"}
                label={`Task image ${task.width}×${task.height}`}
                stroke={stroke}
                onClick={onClick}
                onHover={onHover}
                onTransform={(t) => setZoom(t.scale)}
              />
              <ViewControls
                zoom={zoom}
                opacity={opacity}
                overlayOn={overlayOn}
                canUndo={session.editor.canUndo}
                canRedo={session.editor.canRedo}
                onZoom={(step) => renderer.zoomAt(step > 0 ? 1.4 : 1 / 1.4)}
                onFit={() => handleAction({ type: "overview" })}
                onOpacity={setOpacity}
                onOverlay={setOverlayOn}
                onUndo={() => handleAction({ type: "undo" })}
                onRedo={() => handleAction({ type: "redo" })}
                overlayLabel={session.editor.kind === "region" ? "Labels" : "Mask"}
              />
            </>
          ) : (
            <div class="stage-empty">
              <EmptyStage
                projectName={projectId === null ? null : (project?.name ?? "this project")}
                availability={rounds.data ? availability(rounds.data) : null}
                phase={phase.kind === "idle" || phase.kind === "loading" || phase.kind === "empty" ? phase.kind : "other"}
                submittedCount={submittedCount}
                isAdmin={user.role === "admin"}
                onStart={() => {
                  rounds.reload();
                  void loadNext();
                }}
                onDashboard={() => projectId !== null && navigate({ view: "admin", projectId, tab: "rounds" })}
              />
            </div>
          )}
          {phase.kind === "error" && (
            <div class="alert alert-error stage-alert" role="alert" data-testid="annotate-error">
              <span>{phase.message}</span>
              {phase.retry === "submit" ? (
                <button type="button" class="btn btn-sm" onClick={() => void submit(true)}>
                  Retry submit
                </button>
              ) : (
                <button type="button" class="btn btn-sm" onClick={() => void loadNext()}>
                  Next task
                </button>
              )}
            </div>
          )}
        </section>

        <aside class="side">
          {pointEditor && session ? (
            <PointPanel
              editor={pointEditor}
              image={session.loaded.image}
              width={session.loaded.task.width}
              height={session.loaded.task.height}
              classes={classes}
              letters={letters}
              autoZoom={autoZoom}
              onAutoZoom={() => handleAction({ type: "auto-zoom" })}
              onPick={pickClass}
              onUnsure={() => pointEditor.unsure()}
              onLetter={setLetter}
              disabled={phase.kind !== "ready"}
            />
          ) : regionEditor ? (
            <RegionPanel
              editor={regionEditor}
              classes={classes}
              letters={letters}
              hasPrediction={task?.prediction_url !== null}
              onPick={pickClass}
              onLetter={setLetter}
              onTool={(tool) => handleAction({ type: "tool", tool })}
              onBrushSize={(size) => {
                regionEditor.setBrushSize(size);
                renderer.invalidateUi();
              }}
              onPrefill={() => void prefill()}
              onNextUnlabelled={jumpToUnlabelled}
              disabled={phase.kind !== "ready"}
            />
          ) : (
            <IdlePanel classes={classes} letters={letters} hasProject={project !== null} onLetter={setLetter} />
          )}
        </aside>
      </div>

      {helpOpen && <HelpOverlay mode={editor?.kind ?? "points"} onClose={() => setHelpOpen(false)} />}
    </div>
  );
}

function SaveIndicator({ state }: { state: SaveState | "correction" }) {
  const text: Record<SaveState | "correction", string> = {
    idle: "No changes yet",
    pending: "Unsaved changes",
    saving: "Saving…",
    saved: "Draft saved",
    error: "Not saved — retrying",
    correction: "Correction (not autosaved)",
  };
  return (
    <span class={`save-state save-${state}`} data-testid="draft-status" data-state={state} title="Drafts are saved to the server as you work">
      <span class="save-dot" aria-hidden="true" />
      {text[state]}
    </span>
  );
}
