import { useEffect, useMemo } from "preact/hooks";
import type { ProjectClass } from "../api";
import type { Availability } from "../domain/landing";
import type { AnnotateController } from "../state/annotateController";
import type { AnnotateState } from "../state/annotateStore";
import type { Session } from "../state/annotationSession";
import { EmptyStage } from "./EmptyStage";
import { ViewControls } from "./ViewControls";
import { Viewport } from "./Viewport";

interface Props {
  ctl: AnnotateController;
  state: AnnotateState;
  classes: readonly ProjectClass[];
  /** null: no project chosen. */
  projectName: string | null;
  projectReady: boolean;
  projectsError: string | null;
  availability: Availability | null;
  isAdmin: boolean;
  onStart: () => void;
  onDashboard: () => void;
}

/** The annotate screen's main area: the task's canvas (or why there is none), notices and errors. */
export function AnnotateStage({ ctl, state, classes, projectName, projectReady, projectsError, availability, isAdmin, onStart, onDashboard }: Props) {
  const { session, phase, notice } = state;
  return (
    <section class="stage">
      {notice && (
        <div key={notice.seq} class={`toast toast-${notice.tone}`} role="status" data-testid="notice">
          {notice.text}
          <button type="button" class="toast-close" onClick={() => ctl.store.dispatch({ type: "dismiss-notice" })} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {projectsError && <div class="alert alert-error">Could not load projects: {projectsError}</div>}
      {session ? (
        <CanvasStage ctl={ctl} state={state} session={session} classes={classes} />
      ) : (
        <div class="stage-empty">
          <EmptyStage
            projectName={projectName}
            projectReady={projectReady}
            availability={availability}
            phase={phase.kind === "idle" || phase.kind === "loading" || phase.kind === "empty" ? phase.kind : "other"}
            submittedCount={state.submittedCount}
            isAdmin={isAdmin}
            onStart={onStart}
            onDashboard={onDashboard}
          />
        </div>
      )}
      {phase.kind === "error" && (
        <div class="alert alert-error stage-alert" role="alert" data-testid="annotate-error">
          <span>{phase.message}</span>
          {phase.retry === "submit" ? (
            <button type="button" class="btn btn-sm" onClick={() => void ctl.submit(true)}>
              Retry submit
            </button>
          ) : (
            <button type="button" class="btn btn-sm" onClick={() => void ctl.loadNext()}>
              Next task
            </button>
          )}
        </div>
      )}
    </section>
  );
}

/**
 * The open task's view and its floating controls. Mounted per task: the
 * Viewport's effects (attach and size the new canvases) run before these
 * (children first), so the stage shows the session on a sized view.
 */
function CanvasStage({ ctl, state, session, classes }: { ctl: AnnotateController; state: AnnotateState; session: Session; classes: readonly ProjectClass[] }) {
  const { stage } = ctl;
  const { renderer } = stage;
  const { editor, loaded } = session;
  const colours = useMemo(() => new Map(classes.map((c) => [c.id, c.colour])), [classes]);

  useEffect(() => stage.show(session, colours), [stage, session, colours]);

  // Point mode: follow the current point.
  const current = editor.kind === "points" ? editor.current : -1;
  useEffect(() => stage.follow(session), [stage, session, current]);

  useEffect(() => {
    renderer.setOpacity(state.opacity, state.overlayOn);
  }, [renderer, state.opacity, state.overlayOn]);

  const regionEditor = editor.kind === "region" ? editor : null;
  const stroke = useMemo(() => (regionEditor ? ctl.stroke(regionEditor) : undefined), [ctl, regionEditor]);

  return (
    <>
      <Viewport
        renderer={renderer}
        leftDragPans={editor.kind === "points"}
        cursor={regionEditor ? (regionEditor.tool === "fill" ? "cell" : "none") : "default"}
        label={`Task image ${loaded.task.width}×${loaded.task.height}`}
        stroke={stroke}
        onClick={stage.click}
        onHover={stage.setHover}
        onTransform={(t) => ctl.store.dispatch({ type: "zoom", scale: t.scale })}
      />
      <ViewControls
        zoom={state.zoom}
        opacity={state.opacity}
        overlayOn={state.overlayOn}
        canUndo={editor.canUndo}
        canRedo={editor.canRedo}
        onZoom={(step) => ctl.handleAction({ type: "zoom", step })}
        onFit={() => ctl.handleAction({ type: "overview" })}
        onOpacity={(opacity) => ctl.store.dispatch({ type: "opacity", opacity })}
        onOverlay={(on) => ctl.store.dispatch({ type: "overlay", on })}
        onUndo={() => ctl.handleAction({ type: "undo" })}
        onRedo={() => ctl.handleAction({ type: "redo" })}
        overlayLabel={editor.kind === "region" ? "Labels" : "Mask"}
      />
    </>
  );
}
