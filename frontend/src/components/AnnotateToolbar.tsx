import type { Project } from "../api";
import type { SaveState } from "../domain/draft";
import { formatDuration, formatInt } from "../domain/format";
import type { AnnotateController } from "../state/annotateController";
import { progressOf, type AnnotateState } from "../state/annotateStore";

interface Props {
  ctl: AnnotateController;
  state: AnnotateState;
  projects: readonly Project[] | null;
  projectId: number | null;
  onProject: (projectId: number | null) => void;
}

/** The annotate screen's top bar: project, task buttons, progress, save state, timer, submit, help. */
export function AnnotateToolbar({ ctl, state, projects, projectId, onProject }: Props) {
  const { session, phase } = state;
  const busy = phase.kind === "loading" || phase.kind === "submitting";
  const task = session?.loaded.task ?? null;
  const progress = progressOf(session?.editor ?? null);
  return (
    <div class="toolbar">
      <label class="toolbar-field">
        <span class="sr-only">Project</span>
        <select
          data-testid="project-select"
          value={projectId === null ? "" : String(projectId)}
          onChange={(e) => {
            const v = e.currentTarget.value;
            onProject(v === "" ? null : Number(v));
            e.currentTarget.blur();
          }}
        >
          <option value="">Choose a project…</option>
          {projects?.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {session && !session.correction && (
        <button type="button" class="btn" data-testid="skip-task" disabled={busy} onClick={() => void ctl.skip()} title="Give this task to someone else">
          Skip
        </button>
      )}
      {session?.correction && (
        <button type="button" class="btn" data-testid="back-to-current" disabled={busy} onClick={() => void ctl.loadNext()}>
          Back to current task
        </button>
      )}
      {!session && (
        <button type="button" class="btn" data-testid="next-task" disabled={projectId === null || busy} onClick={() => void ctl.loadNext()}>
          Next task
        </button>
      )}
      <button
        type="button"
        class="btn btn-ghost"
        data-testid="previous-task"
        disabled={projectId === null || busy}
        onClick={() => void ctl.previous()}
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
      {session && <SaveIndicator state={session.correction ? "correction" : state.saveState} />}
      {session && (
        <span class="timer" title="Time on this task (pauses while the page is hidden)">
          {formatDuration(ctl.elapsedSeconds())}
        </span>
      )}
      <button
        type="button"
        class="btn btn-primary"
        data-testid="submit-task"
        disabled={!session || phase.kind !== "ready"}
        onClick={() => ctl.submitClicked()}
        title="Submit (Enter)"
      >
        {phase.kind === "submitting" ? "Submitting…" : "Submit"}
        <kbd class="kbd kbd-on-primary">Enter</kbd>
      </button>
      <button
        type="button"
        class="btn btn-ghost btn-icon"
        data-testid="help-button"
        onClick={() => ctl.store.dispatch({ type: "help", open: true })}
        title="Keyboard shortcuts (?)"
        aria-label="Keyboard shortcuts"
      >
        ?
      </button>
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
