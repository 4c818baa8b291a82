import { useEffect, useMemo } from "preact/hooks";
import type { Project } from "../api";
import { availability } from "../domain/landing";
import { useApp } from "../state/context";
import { useLoader } from "../state/hooks";
import { useAnnotate } from "../state/useAnnotate";
import { AnnotateSidePanel } from "./AnnotateSidePanel";
import { AnnotateStage } from "./AnnotateStage";
import { AnnotateToolbar } from "./AnnotateToolbar";
import { HelpOverlay } from "./HelpOverlay";

/**
 * The annotate screen (`/annotate/projects/:id`). The work and the state live in
 * state/annotateController.ts and state/annotateStore.ts; this lays out the
 * toolbar, the stage and the side panel and hands them the controller.
 */
export function AnnotateView({ projectId }: { projectId: number | null }) {
  const { api, navigate, loginOpen, user, currentTasks, letters: letterStore, submitted } = useApp();
  const projects = useLoader(() => api.listProjects(), "projects");
  // What there is to label: decides the empty stage, and is polled while a round runs.
  const rounds = useLoader(() => (projectId === null ? Promise.resolve([]) : api.listRounds(projectId)), projectId, {
    pollEvery: (list) => (availability(list).kind === "running" ? 3000 : null),
  });
  const project: Project | null = projects.data?.find((p) => p.id === projectId) ?? null;
  const classes = useMemo(() => project?.classes ?? [], [project]);
  const { ctl, state } = useAnnotate({ api, userId: user.id, projectId, project, currentTasks, submitted, letterStore, loginOpen });

  // Only one project: pick it.
  useEffect(() => {
    const list = projects.data;
    const only = list?.[0];
    if (projectId === null && list?.length === 1 && only) navigate({ view: "annotate", projectId: only.id }, { replace: true });
  }, [projects.data, projectId, navigate]);

  const editor = state.session?.editor ?? null;
  return (
    <div class="annotate" data-task-id={state.session?.loaded.task.id ?? ""} data-mode={editor?.kind ?? ""} data-testid="annotate">
      <AnnotateToolbar
        ctl={ctl}
        state={state}
        projects={projects.data}
        projectId={projectId}
        onProject={(id) => {
          void ctl.endSession({ flush: true });
          navigate({ view: "annotate", projectId: id });
        }}
      />
      <div class="workspace">
        <AnnotateStage
          ctl={ctl}
          state={state}
          classes={classes}
          projectName={projectId === null ? null : (project?.name ?? "this project")}
          projectReady={project !== null}
          projectsError={projects.error}
          availability={rounds.data ? availability(rounds.data) : null}
          isAdmin={user.role === "admin"}
          onStart={() => {
            rounds.reload();
            void ctl.loadNext();
          }}
          onDashboard={() => projectId !== null && navigate({ view: "admin", projectId, tab: "rounds" })}
        />
        <AnnotateSidePanel ctl={ctl} state={state} classes={classes} hasProject={project !== null} />
      </div>
      {state.helpOpen && <HelpOverlay mode={editor?.kind ?? "points"} onClose={() => ctl.store.dispatch({ type: "help", open: false })} />}
    </div>
  );
}
