import { useState } from "preact/hooks";
import type { Dataset, Project } from "../api";
import { formatDateTime, formatInt, formatPercent } from "../domain/format";
import { useApp } from "../state/context";
import { useLoader } from "../state/hooks";
import { AddDataForm } from "./AddDataForm";
import { ImageBrowser } from "./ImageBrowser";

/** The admin's datasets tab: the project's datasets, browsing one, adding data. */
export function DatasetsPanel({ project }: { project: Project }) {
  const { api } = useApp();
  const datasets = useLoader(() => api.listDatasets(project.id), project.id, {
    pollEvery: (list) => (list.some((d) => d.status === "importing") ? 2000 : null),
  });
  const [browsing, setBrowsing] = useState<Dataset | null>(null);

  return (
    <>
      <div class="card">
        <div class="card-head">
          <h2>Datasets</h2>
          <span class="muted small">source and target validation need labels; the target pool does not</span>
        </div>
        {datasets.error && <div class="alert alert-error inset">{datasets.error}</div>}
        {datasets.data === null ? (
          <p class="muted pad">Loading…</p>
        ) : datasets.data.length === 0 ? (
          <p class="muted pad">No data yet: upload a zip or register a server folder below.</p>
        ) : (
          <table class="table" data-testid="datasets-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th class="num">Images</th>
                <th>Status</th>
                <th>Added</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {datasets.data.map((d) => (
                <tr key={d.id} data-testid="dataset-row" class={browsing?.id === d.id ? "selected" : undefined}>
                  <td>{d.name}</td>
                  <td>
                    <span class={`kind kind-${d.kind}`}>{d.kind.replace("_", " ")}</span>
                  </td>
                  <td class="num">{formatInt(d.image_count)}</td>
                  <td>
                    <DatasetStatus dataset={d} />
                  </td>
                  <td class="small">{formatDateTime(d.created_at)}</td>
                  <td class="actions-cell">
                    <button
                      type="button"
                      class="btn btn-sm"
                      data-testid="browse-dataset"
                      disabled={d.image_count === 0}
                      onClick={() => setBrowsing(browsing?.id === d.id ? null : d)}
                    >
                      {browsing?.id === d.id ? "Close" : "Browse"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      {browsing && <ImageBrowser key={browsing.id} dataset={browsing} project={project} onClose={() => setBrowsing(null)} />}

      <AddDataForm
        project={project}
        onAdded={(d) => {
          datasets.setData((prev) => [...(prev ?? []).filter((x) => x.id !== d.id), d]);
          datasets.reload();
        }}
      />
    </>
  );
}

function DatasetStatus({ dataset: d }: { dataset: Dataset }) {
  const status = d.status;
  const progress = typeof d.report?.progress === "number" ? d.report.progress : null;
  const error = typeof d.report?.error === "string" ? d.report.error : null;
  return (
    <span class={`badge badge-ds-${status}`} title={error ?? undefined}>
      {status}
      {status === "importing" && progress !== null && ` ${formatPercent(progress, 0)}`}
    </span>
  );
}
