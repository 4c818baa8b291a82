import type { ProjectClass } from "../api";
import type { AnnotateController } from "../state/annotateController";
import type { AnnotateState } from "../state/annotateStore";
import { IdlePanel, PointPanel } from "./PointPanel";
import { RegionPanel } from "./RegionPanel";

interface Props {
  ctl: AnnotateController;
  state: AnnotateState;
  classes: readonly ProjectClass[];
  hasProject: boolean;
}

/** The annotate screen's side panel: the point or region tools of the open task, or the class letters. */
export function AnnotateSidePanel({ ctl, state, classes, hasProject }: Props) {
  const { session, letters } = state;
  const editor = session?.editor ?? null;
  const disabled = state.phase.kind !== "ready";
  const onLetter = (classId: number, letter: string): string | null => ctl.setLetter(classId, letter);
  const onPick = (classId: number): void => ctl.pickClass(classId);
  return (
    <aside class="side">
      {editor?.kind === "points" && session ? (
        <PointPanel
          editor={editor}
          image={session.loaded.image}
          width={session.loaded.task.width}
          height={session.loaded.task.height}
          classes={classes}
          letters={letters}
          autoZoom={state.autoZoom}
          onAutoZoom={() => ctl.handleAction({ type: "auto-zoom" })}
          onPick={onPick}
          onUnsure={() => editor.unsure()}
          onLetter={onLetter}
          disabled={disabled}
        />
      ) : editor?.kind === "region" && session ? (
        <RegionPanel
          editor={editor}
          classes={classes}
          letters={letters}
          hasPrediction={session.loaded.task.prediction_url !== null}
          onPick={onPick}
          onLetter={onLetter}
          onTool={(tool) => ctl.handleAction({ type: "tool", tool })}
          onBrushSize={(size) => {
            editor.setBrushSize(size);
            ctl.stage.renderer.invalidateUi();
          }}
          onPrefill={() => void ctl.prefill()}
          onNextUnlabelled={() => ctl.jumpToUnlabelled()}
          disabled={disabled}
        />
      ) : (
        <IdlePanel classes={classes} letters={letters} hasProject={hasProject} onLetter={onLetter} />
      )}
    </aside>
  );
}
