import type { Project } from "../api";
import { useApp } from "../state/context";
import { methodName, objectiveName } from "../domain/format";
import { useLoader } from "../state/hooks";
import type { Route } from "../domain/router";
import { ProjectDetail } from "./ProjectDetail";
import { ProjectForm } from "./ProjectForm";

/** Admin area: project list on the left, the chosen project (or the new-project form) on the right. */
export function AdminView({ route }: { route: Route }) {
  const { api, user, navigate } = useApp();
  const projects = useLoader(() => api.listProjects(), "projects");

  if (user.role !== "admin") {
    return (
      <div class="page">
        <div class="alert alert-error">The admin area is for admins only.</div>
      </div>
    );
  }

  const selectedId = route.view === "admin" ? route.projectId : null;
  const selected = projects.data?.find((p) => p.id === selectedId) ?? null;

  const onCreated = (p: Project): void => {
    projects.setData((prev) => [...(prev ?? []), p]);
    navigate({ view: "admin", projectId: p.id, tab: "datasets" });
  };

  return (
    <div class="admin">
      <aside class="admin-list">
        <div class="admin-list-head">
          <h2>Projects</h2>
          <button
            type="button"
            class="btn btn-sm btn-primary"
            data-testid="new-project"
            onClick={() => navigate({ view: "admin-new" })}
          >
            New project
          </button>
        </div>
        {projects.error && <div class="alert alert-error">{projects.error}</div>}
        {projects.data === null && !projects.error && <p class="muted small pad">Loading…</p>}
        {projects.data?.length === 0 && <p class="muted small pad">No projects yet.</p>}
        <ul class="project-list" data-testid="project-list">
          {projects.data?.map((p) => (
            <li key={p.id}>
              <a
                href={`/admin/projects/${p.id}`}
                class={p.id === selectedId ? "project-item active" : "project-item"}
                data-testid="project-item"
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ view: "admin", projectId: p.id, tab: "rounds" });
                }}
              >
                <span class="project-item-name">{p.name}</span>
                <span class="project-item-meta">
                  {methodName(p.selection_method)} · {objectiveName(p.objective)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </aside>
      <section class="admin-main">
        {route.view === "admin-new" ? (
          <ProjectForm onCreated={onCreated} onCancel={() => navigate({ view: "admin", projectId: null, tab: "rounds" })} />
        ) : selected ? (
          <ProjectDetail
            key={selected.id}
            project={selected}
            tab={route.view === "admin" ? route.tab : "rounds"}
            onUpdated={(p) => projects.setData((prev) => (prev ?? []).map((q) => (q.id === p.id ? p : q)))}
          />
        ) : (
          <div class="empty-state">
            {selectedId !== null && projects.data !== null ? (
              <p>Project {selectedId} was not found.</p>
            ) : (
              <p>Select a project to see its rounds, or create a new one.</p>
            )}
          </div>
        )}
      </section>
    </div>
  );
}
