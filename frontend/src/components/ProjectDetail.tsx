import type { Project } from "../api";
import { useApp } from "../state/context";
import { formatPercent, isRegionMethod, methodName, objectiveName } from "../domain/format";
import { ADMIN_TABS, type AdminTab } from "../domain/router";
import { DatasetsPanel } from "./DatasetsPanel";
import { ExportsPanel } from "./ExportsPanel";
import { LedgerPanel } from "./LedgerPanel";
import { MembersPanel } from "./MembersPanel";
import { RoundsPanel } from "./RoundsPanel";
import { SettingsPanel } from "./SettingsPanel";

const TAB_NAMES: Record<AdminTab, string> = {
  rounds: "Rounds & metrics",
  ledger: "Ledger & budget",
  datasets: "Datasets",
  settings: "Settings",
  members: "Members",
};

export function ProjectDetail({ project, tab, onUpdated }: { project: Project; tab: AdminTab; onUpdated: (p: Project) => void }) {
  const { navigate } = useApp();
  const budget = !isRegionMethod(project.selection_method)
      ? `${project.points_per_image} points / image`
      : `${formatPercent(project.pixel_budget, 1)} of pixels / image`;

  return (
    <div class="project-detail">
      <div class="detail-head">
        <div>
          <h1 data-testid="project-name">{project.name}</h1>
          <div class="chips">
            <span class="chip">{methodName(project.selection_method)}</span>
            <span class="chip">Objective: {objectiveName(project.objective)}</span>
            <span class="chip">{budget}</span>
            <span class="chip">{project.images_per_round} images / round</span>
          </div>
          <div class="class-chips">
            {project.classes.map((c) => (
              <span class="class-chip" key={c.id} title={`class ${c.id}`}>
                <span class="dot" style={{ background: c.colour }} />
                {c.name}
              </span>
            ))}
          </div>
        </div>
        <div class="detail-actions">
          <ExportsPanel project={project} />
          <button type="button" class="btn" onClick={() => navigate({ view: "annotate", projectId: project.id })}>
            Annotate
          </button>
        </div>
      </div>

      <nav class="subtabs" aria-label="Project sections">
        {ADMIN_TABS.map((t) => (
          <a
            key={t}
            href={t === "rounds" ? `/admin/projects/${project.id}` : `/admin/projects/${project.id}/${t}`}
            class={t === tab ? "subtab active" : "subtab"}
            aria-current={t === tab ? "page" : undefined}
            data-testid={`tab-${t}`}
            onClick={(e) => {
              e.preventDefault();
              navigate({ view: "admin", projectId: project.id, tab: t });
            }}
          >
            {TAB_NAMES[t]}
          </a>
        ))}
      </nav>

      {tab === "rounds" && <RoundsPanel project={project} />}
      {tab === "ledger" && <LedgerPanel project={project} />}
      {tab === "datasets" && <DatasetsPanel project={project} />}
      {tab === "settings" && <SettingsPanel project={project} onUpdated={onUpdated} />}
      {tab === "members" && <MembersPanel project={project} />}
    </div>
  );
}
