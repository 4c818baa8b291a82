import { useEffect, useRef, useState } from "preact/hooks";
import { DATASET_FORMATS, errorText, type DatasetFormat, type ExportJob, type ExportRequest, type Project } from "../api";
import { useApp } from "../state/context";
import { formatPercent } from "../domain/format";
import { saveBlob } from "./saveBlob";

type What = ExportRequest["what"];

const WHAT_NAMES: Record<What, string> = {
  labels: "Annotator labels",
  predictions: "Model predictions (target pool)",
  model: "Trained model",
};


/** "Export" menu: labels come back at once; predictions and models run as a job, then download. */
export function ExportsPanel({ project }: { project: Project }) {
  const { api } = useApp();
  const [open, setOpen] = useState(false);
  const [what, setWhat] = useState<What>("labels");
  const [format, setFormat] = useState<DatasetFormat>("generic");
  const [includeImages, setIncludeImages] = useState(false);
  const [job, setJob] = useState<ExportJob | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const run = async (): Promise<void> => {
    setBusy(true);
    setMessage(null);
    setJob(null);
    try {
      const body: ExportRequest = { what, include_images: includeImages };
      if (what !== "model") body.format = format;
      const res = await api.createExport(project.id, body);
      if (res.kind === "file") {
        saveBlob(res.blob, res.filename);
        setMessage({ text: `Downloaded ${res.filename}.`, error: false });
        return;
      }
      let j = res.job;
      setJob(j);
      while (alive.current && (j.status === "queued" || j.status === "running")) {
        await new Promise((r) => setTimeout(r, 1500));
        j = await api.getExport(project.id, j.id);
        setJob(j);
      }
      if (j.status === "done" && j.download_url) {
        const file = await api.download(j.download_url);
        saveBlob(file.blob, file.filename ?? `project-${project.id}-${what}.zip`);
        setMessage({ text: "Export ready and downloaded.", error: false });
      } else if (j.status === "failed") {
        setMessage({ text: `Export failed: ${j.error ?? "unknown error"}`, error: true });
      }
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="popover-anchor">
      <button type="button" class="btn" onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="export-menu">
        Export ▾
      </button>
      {open && (
        <div class="popover" role="dialog" aria-label="Export" data-testid="export-popover">
          <label class="field">
            <span class="field-label">What</span>
            <select value={what} onChange={(e) => setWhat(e.currentTarget.value as What)} data-testid="export-what">
              {(Object.keys(WHAT_NAMES) as What[]).map((w) => (
                <option key={w} value={w}>
                  {WHAT_NAMES[w]}
                </option>
              ))}
            </select>
          </label>
          {what !== "model" && (
            <label class="field">
              <span class="field-label">Format</span>
              <select value={format} onChange={(e) => setFormat(e.currentTarget.value as DatasetFormat)} data-testid="export-format">
                {DATASET_FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
          )}
          {what !== "model" && (
            <label class="check-field">
              <input type="checkbox" checked={includeImages} onChange={(e) => setIncludeImages(e.currentTarget.checked)} />
              <span>Include the images</span>
            </label>
          )}
          {job && (job.status === "queued" || job.status === "running") && (
            <div class="upload-progress">
              <div class="progress">
                <div class="progress-fill progress-running" style={{ width: `${Math.max(3, job.progress * 100)}%` }} />
              </div>
              <span class="small muted">
                {job.status} {formatPercent(job.progress, 0)}
              </span>
            </div>
          )}
          {message && <div class={message.error ? "alert alert-error" : "alert alert-ok"}>{message.text}</div>}
          <div class="form-actions compact">
            <button type="button" class="btn btn-ghost btn-sm" onClick={() => setOpen(false)}>
              Close
            </button>
            <button type="button" class="btn btn-primary btn-sm" disabled={busy} onClick={() => void run()} data-testid="export-run">
              {busy ? "Exporting…" : "Export"}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
