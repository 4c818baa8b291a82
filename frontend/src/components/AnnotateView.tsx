import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import { ApiError, errorText, NetworkError, type Project } from "../api";
import { useApp } from "../context";
import { formatDuration, formatInt } from "../format";
import { useLoader } from "../hooks";
import { mapKey } from "../keys";
import {
  initLabelState,
  isComplete,
  labelledCount,
  labelReducer,
  restoreLabelState,
  UNSURE,
  type LabelAction,
  type LabelState,
} from "../points";
import { ClientKeys, pointLabels, segmentLabels, withRetry } from "../submission";
import { disposeTask, prepareTask, type PreparedTask } from "../taskLoader";
import { Stopwatch } from "../timer";
import { HelpOverlay } from "./HelpOverlay";
import { Loupe } from "./Loupe";
import { Palette } from "./Palette";
import { TaskCanvas } from "./TaskCanvas";

type Phase =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "ready" }
  | { kind: "submitting" }
  | { kind: "empty" }
  | { kind: "error"; message: string; canRetrySubmit: boolean };

type Reducer = { labels: LabelState };
type Action = LabelAction | { type: "restore"; state: LabelState };

function reducer(state: Reducer, action: Action): Reducer {
  if (action.type === "restore") return { labels: action.state };
  return { labels: labelReducer(state.labels, action) };
}

export function AnnotateView({ projectId }: { projectId: number | null }) {
  const { api, drafts, navigate, loginOpen } = useApp();
  const projects = useLoader(() => api.listProjects(), "projects");
  const project: Project | null = projects.data?.find((p) => p.id === projectId) ?? null;

  const [prepared, setPrepared] = useState<PreparedTask | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [{ labels: state }, dispatch] = useReducer(reducer, { labels: initLabelState(0) });
  const [helpOpen, setHelpOpen] = useState(false);
  const [notice, setNoticeState] = useState<{ text: string; tone: "ok" | "warn"; seq: number } | null>(null);
  const setNotice = useCallback((text: string | null, tone: "ok" | "warn" = "ok") => {
    setNoticeState((prev) => (text === null ? null : { text, tone, seq: (prev?.seq ?? 0) + 1 }));
  }, []);
  const [submittedCount, setSubmittedCount] = useState(0);
  const stopwatch = useRef(new Stopwatch());
  const clientKeys = useRef(new ClientKeys());
  const [, forceTick] = useState(0);

  const colours = useMemo(() => new Map((project?.classes ?? []).map((c) => [c.id, c.colour])), [project]);
  const classes = project?.classes ?? [];
  const complete = prepared !== null && isComplete(state);
  const done = labelledCount(state);
  const total = state.labels.length;

  // Only one project: pick it.
  useEffect(() => {
    const list = projects.data;
    const only = list?.[0];
    if (projectId === null && list?.length === 1 && only) {
      navigate({ view: "annotate", projectId: only.id }, { replace: true });
    }
  }, [projects.data, projectId, navigate]);

  // The project changed under a loaded task (history navigation): drop the task.
  useEffect(() => {
    if (prepared && prepared.task.project_id !== projectId) {
      setPrepared(null);
      setPhase({ kind: "idle" });
    }
  }, [prepared, projectId]);
  useEffect(() => {
    setPhase((p) => (p.kind === "empty" || p.kind === "error" ? { kind: "idle" } : p));
  }, [projectId]);

  // Release the object URL of a replaced or abandoned task.
  const preparedRef = useRef<PreparedTask | null>(null);
  useEffect(() => {
    const prev = preparedRef.current;
    preparedRef.current = prepared;
    if (prev && prev !== prepared) disposeTask(prev);
  }, [prepared]);
  useEffect(() => () => disposeTask(preparedRef.current), []);

  const show = useCallback((p: PreparedTask, restored?: { labels: (number | null)[]; current: number; elapsedMs: number }) => {
    setPrepared(p);
    const count = p.items.length;
    if (restored?.labels.length === count) {
      dispatch({ type: "restore", state: restoreLabelState(restored.labels, restored.current) });
      stopwatch.current.reset(restored.elapsedMs);
    } else {
      dispatch({ type: "reset", count });
      stopwatch.current.reset();
    }
    setPhase({ kind: "ready" });
    // Take focus away from the button that was clicked, so Enter / digits go to the labelling keys.
    (document.activeElement as HTMLElement | null)?.blur();
  }, []);

  const loadNext = useCallback(async () => {
    if (projectId === null) return;
    setPhase({ kind: "loading" });
    setPrepared(null);
    try {
      const task = await api.nextTask(projectId);
      if (!task) {
        drafts.clear();
        setPhase({ kind: "empty" });
        return;
      }
      show(await prepareTask(api, task));
    } catch (err) {
      setPhase({ kind: "error", message: errorText(err), canRetrySubmit: false });
    }
  }, [api, drafts, projectId, show]);

  // Bring back a saved draft (reload / crash) when its task is still leased.
  const restoredFor = useRef<number | null>(null);
  useEffect(() => {
    if (projectId === null || restoredFor.current === projectId) return;
    restoredFor.current = projectId;
    const draft = drafts.load();
    if (draft?.projectId !== projectId) return;
    let cancelled = false;
    const live = (): boolean => !cancelled;
    setPhase({ kind: "loading" });
    void (async () => {
      try {
        const task = await api.getTask(draft.taskId);
        if (!live()) return;
        if (task.status !== "leased" || task.project_id !== projectId) {
          drafts.clear();
          setPhase({ kind: "idle" });
          return;
        }
        const p = await prepareTask(api, task);
        if (live()) show(p, draft);
      } catch {
        drafts.clear();
        if (live()) setPhase({ kind: "idle" });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, drafts, projectId, show]);

  // Save the draft on every change.
  useEffect(() => {
    if (!prepared || projectId === null) return;
    drafts.save({
      taskId: prepared.task.id,
      projectId,
      labels: [...state.labels],
      current: state.current,
      elapsedMs: stopwatch.current.elapsedMs(),
    });
  }, [prepared, state, projectId, drafts]);

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

  // Re-render every second for the visible timer.
  useEffect(() => {
    if (phase.kind !== "ready") return;
    const id = setInterval(() => forceTick((t) => t + 1), 1000);
    return () => clearInterval(id);
  }, [phase.kind]);

  // Notices fade after a few seconds.
  useEffect(() => {
    if (!notice) return;
    const id = setTimeout(() => setNoticeState(null), 4000);
    return () => clearTimeout(id);
  }, [notice]);

  // Also save when the page goes away, so the last key press and the time are kept.
  const draftRef = useRef<(() => void) | null>(null);
  draftRef.current = () => {
    if (!prepared || projectId === null) return;
    drafts.save({
      taskId: prepared.task.id,
      projectId,
      labels: [...state.labels],
      current: state.current,
      elapsedMs: stopwatch.current.elapsedMs(),
    });
  };
  useEffect(() => {
    const onHide = (): void => draftRef.current?.();
    window.addEventListener("pagehide", onHide);
    return () => window.removeEventListener("pagehide", onHide);
  }, []);

  const submit = useCallback(async () => {
    if (!prepared || !isComplete(state)) return;
    const { task, segments } = prepared;
    const labels = segments ? segmentLabels(segments, state.labels, task.width) : pointLabels(prepared.items, state.labels);
    const clientKey = clientKeys.current.keyFor(task.id, labels);
    const body = { labels, seconds_spent: stopwatch.current.elapsedSeconds(), client_key: clientKey };
    setPhase({ kind: "submitting" });
    try {
      const res = await withRetry(() => api.submitTask(task.id, body), {
        shouldRetry: (e) => e instanceof NetworkError || (e instanceof ApiError && e.status >= 500),
      });
      clientKeys.current.done();
      drafts.clear();
      setSubmittedCount((n) => n + 1);
      setNotice(`Task ${task.id} submitted · ${formatInt(res.labelled_pixels)} pixels labelled`);
      await loadNext();
    } catch (err) {
      const gone = err instanceof ApiError && (err.status === 404 || err.status === 409 || err.status === 410);
      setPhase({
        kind: "error",
        message: gone ? `This task can no longer be submitted: ${errorText(err)}` : `Submit failed: ${errorText(err)}`,
        canRetrySubmit: !gone,
      });
    }
  }, [api, drafts, loadNext, prepared, state]);

  // Keyboard: read the latest state through a ref so the listener is installed once.
  const latest = useRef({ phase, prepared, classes, complete, helpOpen, loginOpen, projectId, submit, loadNext });
  latest.current = { phase, prepared, classes, complete, helpOpen, loginOpen, projectId, submit, loadNext };
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const s = latest.current;
      if (s.loginOpen || e.defaultPrevented) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable='true']")) return;
      const action = mapKey(e, s.classes.length);
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
      const ready = s.phase.kind === "ready" && s.prepared !== null;
      if (action.type === "submit") {
        // Enter on a focused button keeps its usual meaning.
        if (target?.closest("button, a")) return;
        e.preventDefault();
        if (ready && s.complete) void s.submit();
        else if ((s.phase.kind === "idle" || s.phase.kind === "empty") && s.projectId !== null) void s.loadNext();
        else if (ready) setNotice("Label every point before submitting.", "warn");
        return;
      }
      if (!ready) return;
      e.preventDefault();
      switch (action.type) {
        case "class": {
          const c = s.classes[action.index];
          if (c) dispatch({ type: "label", classId: c.id });
          break;
        }
        case "unsure":
          dispatch({ type: "label", classId: UNSURE });
          break;
        case "next":
        case "prev":
        case "clear":
          dispatch({ type: action.type });
          break;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const chooseProject = (value: string): void => {
    const id = value === "" ? null : Number(value);
    if (id === projectId) return;
    if (prepared && done > 0 && !window.confirm("Leave this task? Its labels have not been submitted.")) return;
    drafts.clear();
    setPrepared(null);
    setPhase({ kind: "idle" });
    setNotice(null);
    navigate({ view: "annotate", projectId: id });
  };

  const kindWord = prepared?.segments ? "region" : "point";
  const currentItem = prepared?.items[state.current] ?? null;
  const currentLabel = state.labels[state.current] ?? null;
  const busy = phase.kind === "loading" || phase.kind === "submitting";

  return (
    <div class="annotate">
      <div class="toolbar">
        <label class="toolbar-field">
          <span class="sr-only">Project</span>
          <select
            data-testid="project-select"
            value={projectId === null ? "" : String(projectId)}
            onChange={(e) => chooseProject(e.currentTarget.value)}
            disabled={projects.data === null}
          >
            <option value="">{projects.data === null ? "Loading projects…" : "Choose a project…"}</option>
            {projects.data?.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          class="btn"
          data-testid="next-task"
          disabled={projectId === null || busy}
          onClick={() => {
            if (prepared && phase.kind === "ready" && done > 0 && !window.confirm("Leave this task? Its labels have not been submitted.")) return;
            void loadNext();
          }}
          title="Lease the next task of this project"
        >
          Next task
        </button>
        <div class="toolbar-spacer" />
        {prepared && (
          <div class="counter">
            <div class="counter-text" data-testid="point-counter" aria-live="polite">
              {done} / {total} labelled
            </div>
            <div class="counter-bar">
              <div class="counter-fill" style={{ width: `${total === 0 ? 100 : (100 * done) / total}%` }} />
            </div>
          </div>
        )}
        {prepared && (
          <span class="timer" title="Time on this task (pauses while the page is hidden)">
            {formatDuration(stopwatch.current.elapsedSeconds())}
          </span>
        )}
        <button
          type="button"
          class="btn btn-primary"
          data-testid="submit-task"
          disabled={!complete || phase.kind !== "ready"}
          onClick={() => void submit()}
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
          {prepared && (phase.kind === "ready" || phase.kind === "submitting" || phase.kind === "error") ? (
            <TaskCanvas
              prepared={prepared}
              labels={state.labels}
              current={state.current}
              colours={colours}
              onPick={(index) => dispatch({ type: "goto", index })}
            />
          ) : (
            <div class="stage-empty">
              {projectId === null && <p>Choose a project to start labelling.</p>}
              {projectId !== null && phase.kind === "idle" && (
                <>
                  <p>
                    Ready when you are. Press <kbd class="kbd">Enter</kbd> or
                  </p>
                  <button type="button" class="btn btn-primary btn-lg" onClick={() => void loadNext()}>
                    Start labelling
                  </button>
                </>
              )}
              {phase.kind === "loading" && <p class="loading">Loading task…</p>}
              {phase.kind === "empty" && (
                <>
                  <p data-testid="no-tasks">
                    Nothing left to label in <strong>{project?.name ?? "this project"}</strong>
                    {submittedCount > 0 ? ` — you submitted ${submittedCount} task${submittedCount === 1 ? "" : "s"}.` : "."}
                  </p>
                  <p class="muted">New tasks appear after the next adaptation round.</p>
                  <button type="button" class="btn" onClick={() => void loadNext()}>
                    Check again
                  </button>
                </>
              )}
            </div>
          )}
          {phase.kind === "error" && (
            <div class="alert alert-error stage-alert" role="alert" data-testid="annotate-error">
              <span>{phase.message}</span>
              {phase.canRetrySubmit ? (
                <button type="button" class="btn btn-sm" onClick={() => void submit()}>
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
          {prepared ? (
            <>
              <div class="side-section">
                <div class="side-title">
                  {kindWord === "point" ? "Point" : "Region"} {Math.min(state.current + 1, total)} of {total}
                </div>
                <div class="muted small">
                  Task {prepared.task.id} · image {prepared.task.image_id} · {prepared.task.width}×{prepared.task.height}
                </div>
                <div class="muted small" data-testid="current-point">
                  {currentItem ? `x ${currentItem.x}, y ${currentItem.y}` : "—"}
                  {prepared.segments?.[state.current] &&
                    ` · ${formatInt(prepared.segments[state.current]?.pixels.length)} px`}
                </div>
                <Loupe image={prepared.image} width={prepared.task.width} height={prepared.task.height} point={currentItem} />
              </div>
              <div class="side-section">
                <div class="side-title">Classes</div>
                <Palette
                  classes={classes}
                  selected={currentLabel}
                  disabled={phase.kind !== "ready" || total === 0}
                  onPick={(classId) => dispatch({ type: "label", classId })}
                />
              </div>
              <div class="side-section side-hint muted small">
                {complete ? (
                  <span>
                    All labelled — press <kbd class="kbd">Enter</kbd> to submit.
                  </span>
                ) : (
                  <span>
                    Press a class key to label the {kindWord}; <kbd class="kbd">←</kbd> <kbd class="kbd">→</kbd> move;{" "}
                    <kbd class="kbd">?</kbd> shortcuts.
                  </span>
                )}
              </div>
            </>
          ) : (
            <div class="side-section">
              <div class="side-title">Classes</div>
              {project ? (
                <Palette classes={classes} selected={null} disabled onPick={() => undefined} />
              ) : (
                <p class="muted small">The classes of the chosen project appear here.</p>
              )}
            </div>
          )}
        </aside>
      </div>

      {helpOpen && <HelpOverlay onClose={() => setHelpOpen(false)} />}
    </div>
  );
}
