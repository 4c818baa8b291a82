import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  ApiError,
  DATASET_FORMATS,
  DATASET_KINDS,
  errorText,
  type ApiClient,
  type Dataset,
  type DatasetFormat,
  type DatasetKind,
  type ImageInfo,
  type Project,
  type UploadProgress,
} from "../api";
import { useApp } from "../context";
import { formatDateTime, formatInt, formatPercent } from "../format";
import { useLoader } from "../hooks";
import { classLut, renderLabelMap } from "../overlay";
import { decodeLabelPng } from "../png";

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

const PAGE = 24;

export function DatasetsPanel({ project }: { project: Project }) {
  const { api } = useApp();
  const datasets = useLoader(() => api.listDatasets(project.id), project.id, {
    intervalMs: 2000,
    pollWhile: (list) => list.some((d) => d.status === "importing"),
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

      <AddData
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

// --- adding data -------------------------------------------------------------------------

function AddData({ project, onAdded }: { project: Project; onAdded: (d: Dataset) => void }) {
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

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${n} B`;
}

// --- browsing -------------------------------------------------------------------------------

function ImageBrowser({ dataset, project, onClose }: { dataset: Dataset; project: Project; onClose: () => void }) {
  const { api } = useApp();
  const [offset, setOffset] = useState(0);
  const images = useLoader(() => api.listImages(dataset.id, offset, PAGE), `${dataset.id}:${offset}`);
  const [open, setOpen] = useState<ImageInfo | null>(null);
  const pages = Math.max(1, Math.ceil(dataset.image_count / PAGE));
  const page = Math.floor(offset / PAGE) + 1;
  return (
    <div class="card" data-testid="image-browser">
      <div class="card-head">
        <h2>{dataset.name}</h2>
        <span class="muted small">
          {formatInt(dataset.image_count)} images · page {page} of {pages}
        </span>
        <div class="card-head-spacer" />
        <button type="button" class="btn btn-sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          ← Prev
        </button>
        <button type="button" class="btn btn-sm" disabled={page >= pages} onClick={() => setOffset(offset + PAGE)}>
          Next →
        </button>
        <button type="button" class="btn btn-sm btn-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {images.error && <div class="alert alert-error inset">{images.error}</div>}
      <div class="thumb-grid">
        {images.data?.map((img) => (
          <button type="button" key={img.id} class="thumb" onClick={() => setOpen(img)} title={img.name} data-testid="thumb">
            <AuthImage api={api} path={api.imageFileUrl(img.id)} alt={img.name} />
            <span class="thumb-name">{img.name}</span>
            {img.has_label && <span class="thumb-badge">labels</span>}
          </button>
        ))}
      </div>
      {open && <ImageViewer api={api} image={open} project={project} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** An <img> for an authenticated URL (fetched as a blob). */
function AuthImage({ api, path, alt }: { api: ApiClient; path: string; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    api.fetchBlob(path).then(
      (blob) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setSrc(url);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, path]);
  return src ? <img src={src} alt={alt} loading="lazy" /> : <span class="thumb-placeholder" />;
}

/** One image, large, with its ground-truth labels over it. */
function ImageViewer({ api, image, project, onClose }: { api: ApiClient; image: ImageInfo; project: Project; onClose: () => void }) {
  const [opacity, setOpacity] = useState(0.55);
  const [labelUrl, setLabelUrl] = useState<string | null>(null);
  const [labelError, setLabelError] = useState<string | null>(null);
  const lut = useMemo(() => classLut(project.classes), [project.classes]);

  useEffect(() => {
    if (!image.has_label) return;
    let url: string | null = null;
    const state = { live: true };
    void (async () => {
      try {
        const blob = await api.fetchBlob(api.imageLabelUrl(image.id));
        const png = await decodeLabelPng(new Uint8Array(await blob.arrayBuffer()));
        const canvas = document.createElement("canvas");
        canvas.width = png.width;
        canvas.height = png.height;
        const ctx = canvas.getContext("2d");
        if (!ctx) return;
        ctx.putImageData(new ImageData(renderLabelMap(png.data, lut) as Uint8ClampedArray<ArrayBuffer>, png.width, png.height), 0, 0);
        const out = await new Promise<Blob | null>((r) => canvas.toBlob(r));
        if (!out || !state.live) return;
        url = URL.createObjectURL(out);
        setLabelUrl(url);
      } catch (err) {
        if (state.live) setLabelError(errorText(err));
      }
    })();
    return () => {
      state.live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, image, lut]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  return (
    <div class="modal-backdrop" role="presentation" onClick={onClose}>
      <div class="modal viewer" role="dialog" aria-modal="true" aria-label={image.name} onClick={(e) => e.stopPropagation()} data-testid="image-viewer">
        <div class="modal-head">
          <h2>
            {image.name} <span class="muted small">{image.width}×{image.height}</span>
          </h2>
          {image.has_label && (
            <label class="field-inline small">
              Labels
              <input type="range" min={0} max={100} value={Math.round(opacity * 100)} onInput={(e) => setOpacity(Number(e.currentTarget.value) / 100)} />
            </label>
          )}
          <button type="button" class="btn btn-ghost btn-sm" onClick={onClose}>
            Esc
          </button>
        </div>
        <div class="viewer-stage" style={{ aspectRatio: `${image.width} / ${image.height}` }}>
          <AuthImage api={api} path={api.imageFileUrl(image.id)} alt={image.name} />
          {labelUrl && <img class="viewer-labels" src={labelUrl} alt="" style={{ opacity }} data-testid="label-overlay" />}
        </div>
        {labelError && <div class="alert alert-error">Labels: {labelError}</div>}
        {image.has_label && (
          <div class="class-chips">
            {project.classes.map((c) => (
              <span class="class-chip" key={c.id}>
                <span class="dot" style={{ background: c.colour }} />
                {c.name}
              </span>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
