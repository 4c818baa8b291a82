/**
 * Building the editing session for a loaded task: the right editor (points or
 * region) restored from a draft, and the overlay layer that shows it. Browser
 * code (canvases), kept out of the components so they stay about layout.
 */

import { type DraftBody, type ProjectClass, type SubmitBody } from "../api";
import { restorePointsDraft, restoreRegionDraft } from "../domain/draft";
import { classLut, MASK_COLOUR, renderOverlay, TODO_ALT, todoColour, type OverlayStyle } from "../canvas/overlay";
import { PointEditor } from "../canvas/pointEditor";
import { RegionEditor } from "../canvas/regionEditor";
import type { LoadedTask } from "./taskLoader";
import { OverlayLayer } from "../canvas/viewRenderer";

export type Editor = PointEditor | RegionEditor;

export interface Session {
  loaded: LoadedTask;
  editor: Editor;
  overlay: OverlayLayer | null;
  /** A submitted task reopened for correction. */
  correction: boolean;
  /** Work came back from a draft (server) or from this browser's last submission. */
  restored: boolean;
  /** Seconds already spent according to the draft. */
  secondsSpent: number;
  /** Redraws image rect `r` of the overlay from the editor's state. */
  paint: (r: { x0: number; y0: number; x1: number; y1: number }) => void;
}

export async function createSession(
  loaded: LoadedTask,
  classes: readonly ProjectClass[],
  correction: boolean,
  draft: unknown,
): Promise<Session> {
  const { task } = loaded;
  const w = task.width;
  const h = task.height;
  const ids = classes.map((c) => c.id);
  const lut = classLut(classes);
  const full = { x0: 0, y0: 0, x1: w, y1: h };

  if (task.kind === "region") {
    const requested = loaded.mask ?? new Uint8Array(w * h).fill(1);
    const restored = await restoreRegionDraft(draft, w, h);
    const editor = new RegionEditor(w, h, requested, ids, restored?.labels ?? null);
    editor.takeDirty();
    const overlay = new OverlayLayer(w, h);
    const style: OverlayStyle = { lut, todo: todoColour(classes), todoAlt: TODO_ALT, hatch: true };
    const paint = (r: typeof full): void =>
      overlay.update(r, (out, rect) => renderOverlay(out, rect, w, editor.raster.labels, editor.raster.requested, style));
    paint(full);
    return {
      loaded,
      editor,
      overlay,
      correction,
      restored: restored !== null && editor.raster.labelledCount > 0,
      secondsSpent: restored?.secondsSpent ?? 0,
      paint,
    };
  }

  const restored = restorePointsDraft(task.points, draft, new Set(ids));
  const editor = new PointEditor(task.points, restored);
  let overlay: OverlayLayer | null = null;
  let paint: Session["paint"] = () => undefined;
  if (loaded.mask) {
    const layer = new OverlayLayer(w, h);
    const mask = loaded.mask;
    const style: OverlayStyle = { lut, todo: MASK_COLOUR, todoAlt: MASK_COLOUR, hatch: false };
    paint = (r) => layer.update(r, (out, rect) => renderOverlay(out, rect, w, null, mask, style));
    paint(full);
    overlay = layer;
  }
  return {
    loaded,
    editor,
    overlay,
    correction,
    restored: restored !== null && restored.labels.some((l) => l !== null),
    secondsSpent: restored?.secondsSpent ?? 0,
    paint,
  };
}

/** The submission body (without client key) and what to remember locally for corrections. */
export async function buildSubmission(
  session: Session,
  seconds: number,
): Promise<{ body: Omit<SubmitBody, "client_key">; cache: DraftBody }> {
  const { editor, loaded } = session;
  const version = loaded.task.version;
  if (editor.kind === "region") {
    const region_png = await editor.regionPng();
    return {
      body: { labels: [], region_png, seconds_spent: seconds, expected_version: version },
      cache: { labels: [], region_png, seconds_spent: seconds, current_point: 0 },
    };
  }
  return {
    body: { labels: editor.submission(), seconds_spent: seconds, expected_version: version },
    cache: editor.draft(seconds),
  };
}
