import { useEffect, useMemo, useState } from "preact/hooks";
import { errorText, type ApiClient, type Dataset, type ImageInfo, type Project } from "../api";
import { classLut, renderLabelMap } from "../canvas/overlay";
import { formatInt } from "../domain/format";
import { decodeLabelPng } from "../domain/png";
import { useApp } from "../state/context";
import { useLoader } from "../state/hooks";

const PAGE = 24;

/** A dataset's images, a page of thumbnails at a time; one opens large with its labels. */
export function ImageBrowser({ dataset, project, onClose }: { dataset: Dataset; project: Project; onClose: () => void }) {
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
