import type { Availability } from "../domain/landing";

interface Props {
  projectName: string | null;
  /** The chosen project's details have arrived: a task can be asked for. */
  projectReady: boolean;
  /** What the project's rounds say is there to label; null while they load. */
  availability: Availability | null;
  /** "empty": the last request for a task found none. */
  phase: "idle" | "loading" | "empty" | "other";
  submittedCount: number;
  isAdmin: boolean;
  onStart: () => void;
  onDashboard: () => void;
}

/** The stage when no task is on screen: start, wait for a round, or why there is nothing. */
export function EmptyStage({ projectName, projectReady, availability, phase, submittedCount, isAdmin, onStart, onDashboard }: Props) {
  if (projectName === null && phase !== "loading") return <p>Choose a project to start labelling.</p>;
  if (phase === "loading") return <p class="loading">Loading task…</p>;
  // Start before the project arrived would do nothing; say what the page waits for instead.
  if (!projectReady) return <p class="loading">Loading project…</p>;
  if (phase === "other") return null;
  const kind = availability?.kind ?? "open";
  if (phase === "idle" && kind === "open") {
    return (
      <>
        <p>
          Ready when you are. Press <kbd class="kbd">Enter</kbd> or
        </p>
        <button type="button" class="btn btn-primary btn-lg" data-testid="start" onClick={onStart}>
          Start labelling
        </button>
      </>
    );
  }
  const name = <strong>{projectName}</strong>;
  const done = submittedCount > 0 ? ` You submitted ${submittedCount} task${submittedCount === 1 ? "" : "s"}.` : "";
  return (
    <>
      <p data-testid="no-tasks" data-reason={kind}>
        {kind === "none-yet" && <>No tasks yet in {name}: an admin launches a round, and its suggestions appear here.</>}
        {kind === "running" && availability?.kind === "running" && (
          <>
            Round {availability.round} of {name} is running: its tasks appear here when it finishes.
          </>
        )}
        {(kind === "all-done" || kind === "open") && <>Nothing left to label in {name}.</>}
        {done}
      </p>
      <p class="muted">
        {kind === "running" ? "This page checks by itself." : "New tasks appear after the next adaptation round."}
      </p>
      <div class="stage-actions">
        {kind !== "none-yet" && (
          <button type="button" class="btn" onClick={onStart}>
            Check again
          </button>
        )}
        {isAdmin && (
          <button type="button" class={kind === "none-yet" ? "btn btn-primary" : "btn"} data-testid="to-dashboard" onClick={onDashboard}>
            Open the dashboard
          </button>
        )}
      </div>
    </>
  );
}
