import { useRef, useState } from "preact/hooks";
import {
  ApiError,
  DATASET_FORMATS,
  DATASET_KINDS,
  errorText,
  type Dataset,
  type DatasetFormat,
  type DatasetKind,
  type Project,
  type UploadProgress,
} from "../api";
import { formatBytes, formatInt, formatPercent } from "../domain/format";
import { useApp } from "../state/context";

const KIND_NAMES: Record<DatasetKind, string> = {
  source: "Source (images + labels)",
  target_pool: "Target pool (images to label)",
  target_val: "Target validation (images + labels)",
};

const FORMAT_NAMES: Record<DatasetFormat, string> = {
  generic: "Generic (images/, labels/)",
  palette: "Palette PNG labels",
  cityscapes: "Cityscapes",
  gta5: "GTA5",
  camvid: "CamVid",
  coco: "COCO",
  labelstudio: "Label Studio",
};

/** Adds a dataset: a zip uploaded with progress, or a folder on the server imported in place. */
export function AddDataForm({ project, onAdded }: { project: Project; onAdded: (d: Dataset) => void }) {
  const { api } = useApp();
  const [mode, setMode] = useState<"upload" | "folder">("upload");
  const [kind, setKind] = useState<DatasetKind>("source");
  const [format, setFormat] = useState<DatasetFormat>("generic");
  const [name, setName] = useState("");
  const [path, setPath] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [phase, setPhase] = useState<"idle" | "uploading" | "importing">("idle");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      let d: Dataset;
      if (mode === "upload") {
        if (!file) {
          setError("Choose a .zip file.");
          return;
        }
        const controller = new AbortController();
        abort.current = controller;
        setPhase("uploading");
        setProgress({ loaded: 0, total: file.size });
        d = await api.uploadDataset(
          project.id,
          { file, fileName: file.name, kind, format, name: name.trim() || undefined },
          (p) => {
            setProgress(p);
            if (p.total > 0 && p.loaded >= p.total) setPhase("importing");
          },
          controller.signal,
        );
      } else {
        if (path.trim() === "") {
          setError("Enter a folder path on the server.");
          return;
        }
        setPhase("importing");
        d = await api.importFolder(project.id, { kind, path: path.trim(), format, name: name.trim() || undefined });
      }
      onAdded(d);
      setDone(`Imported “${d.name}”: ${formatInt(d.image_count)} images${d.status === "importing" ? " (importing in the background)" : ""}.`);
      setFile(null);
      setName("");
      setPath("");
      if (fileInput.current) fileInput.current.value = "";
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") setError("Upload cancelled.");
      else setError(err instanceof ApiError ? `${err.status === 422 ? "Invalid dataset" : `HTTP ${err.status}`}: ${err.message}` : errorText(err));
    } finally {
      setPhase("idle");
      setProgress(null);
      abort.current = null;
    }
  };

  const pct = progress && progress.total > 0 ? Math.min(1, progress.loaded / progress.total) : null;

  return (
    <form class="card form" onSubmit={(e) => void submit(e)} data-testid="add-data">
      <div class="card-head">
        <h2>Add data</h2>
        <div class="segmented small">
          <button type="button" class={mode === "upload" ? "seg active" : "seg"} onClick={() => setMode("upload")} data-testid="mode-upload">
            Upload a zip
          </button>
          <button type="button" class={mode === "folder" ? "seg active" : "seg"} onClick={() => setMode("folder")} data-testid="mode-folder">
            Server folder
          </button>
        </div>
      </div>
      <div class="form-body">
        <div class="grid-3">
          <label class="field">
            <span class="field-label">Kind</span>
            <select value={kind} onChange={(e) => setKind(e.currentTarget.value as DatasetKind)} data-testid="dataset-kind">
              {DATASET_KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_NAMES[k]}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span class="field-label">Format</span>
            <select value={format} onChange={(e) => setFormat(e.currentTarget.value as DatasetFormat)} data-testid="dataset-format">
              {DATASET_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_NAMES[f]}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span class="field-label">Name (optional)</span>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="from the file or folder" />
          </label>
        </div>
        {mode === "upload" ? (
          <label class="field">
            <span class="field-label">Zip file</span>
            <input
              ref={fileInput}
              type="file"
              accept=".zip,application/zip"
              data-testid="dataset-file"
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
            />
            <span class="field-hint">
              Generic layout: <code>images/</code>, <code>labels/</code> (one-channel PNGs of class ids, 255 = unlabelled), optional{" "}
              <code>classes.json</code>.
            </span>
          </label>
        ) : (
          <label class="field">
            <span class="field-label">Folder on the server</span>
            <input value={path} onInput={(e) => setPath(e.currentTarget.value)} placeholder="/data/cityscapes" data-testid="dataset-path" />
            <span class="field-hint">Must lie inside one of the server's import roots (SEGLOOP_IMPORT_ROOTS).</span>
          </label>
        )}
        {phase !== "idle" && (
          <div class="upload-progress" data-testid="upload-progress">
            <div class="progress">
              <div
                class={phase === "importing" ? "progress-fill progress-running indeterminate" : "progress-fill progress-running"}
                style={{ width: phase === "importing" ? "100%" : `${(pct ?? 0) * 100}%` }}
              />
            </div>
            <span class="small muted">
              {phase === "uploading"
                ? `Uploading… ${pct === null ? "" : formatPercent(pct, 0)}${progress ? ` (${formatBytes(progress.loaded)} of ${formatBytes(progress.total)})` : ""}`
                : "Checking and importing…"}
            </span>
          </div>
        )}
        {error && (
          <div class="alert alert-error" role="alert" data-testid="dataset-error">
            {error}
          </div>
        )}
        {done && (
          <div class="alert alert-ok" role="status" data-testid="dataset-done">
            {done}
          </div>
        )}
      </div>
      <div class="form-actions">
        {phase === "uploading" && (
          <button type="button" class="btn btn-ghost" onClick={() => abort.current?.abort()}>
            Cancel upload
          </button>
        )}
        <button type="submit" class="btn btn-primary" disabled={phase !== "idle"} data-testid="dataset-submit">
          {mode === "upload" ? "Upload and import" : "Import folder"}
        </button>
      </div>
    </form>
  );
}
