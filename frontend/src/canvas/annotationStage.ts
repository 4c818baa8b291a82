/**
 * The annotate screen's canvas: a ViewRenderer showing the open session (the
 * image, the label or mask overlay, point markers, the brush and fill cursors),
 * following the current point in point mode, jumping to unlabelled segments in
 * region mode, and turning clicks and drags on the view into editor calls.
 * Lives as long as the screen, across tasks (components/Viewport attaches the
 * canvases of each task's view).
 */

import type { Point } from "../api";
import { closeUpScale, focusScale, hitTest, imageToCanvasF, isInView } from "../domain/geometry";
import type { Rect } from "../domain/raster";
import type { Session } from "../state/annotationSession";
import { CURRENT_COLOUR, drawBox, drawBrush, drawPoints, labelColour } from "./markers";
import type { RegionEditor } from "./regionEditor";
import { ViewRenderer, type StrokeHandlers } from "./viewRenderer";

/** CSS px from a point marker within which a click picks that point. */
const CLICK_RADIUS = 14;

export class AnnotationStage {
  readonly renderer = new ViewRenderer();
  private hover: Point | null = null;
  private flash: { box: Rect; until: number } | null = null;
  private lastCurrent = -1;
  private lastJump = -1;

  /** `session` and `autoZoom` read the screen's latest state (not a render's copy). */
  constructor(
    private readonly session: () => Session | null,
    private readonly autoZoom: () => boolean,
  ) {}

  /**
   * Puts `s` on the renderer: image, overlay, what each frame draws, redraws on
   * edits; in point mode with auto-zoom, the current point in focus. Call after
   * the view attached its canvases. Returns the cleanup.
   */
  show(s: Session, colours: ReadonlyMap<number, string>): () => void {
    const { renderer } = this;
    const { editor, loaded, overlay } = s;
    renderer.setContent(loaded.image, loaded.task.width, loaded.task.height, overlay?.canvas ?? null);
    if (editor.kind === "region") {
      renderer.beforeFrame = () => {
        const r = editor.takeDirty();
        if (r.x1 > r.x0) {
          s.paint(r);
          renderer.invalidate(r);
        }
      };
      renderer.drawUi = (ctx, t) => {
        const f = this.flash;
        if (f && f.until > performance.now()) drawBox(ctx, t, f.box, CURRENT_COLOUR);
        const h = this.hover;
        if (!h) return;
        if (editor.tool === "fill") {
          const box = editor.raster.components.boxes[editor.hoverSegment];
          if (box) drawBox(ctx, t, box, labelColour(colours, editor.activeClass));
        } else {
          drawBrush(ctx, t, h, editor.brushSize, labelColour(colours, editor.activeClass), editor.tool === "eraser");
        }
      };
    } else {
      renderer.beforeFrame = null;
      renderer.drawUi = (ctx, t) => drawPoints(ctx, t, editor.points, editor.state.labels, editor.current, colours);
    }
    const unsubscribe = editor.subscribe(() => {
      renderer.invalidateUi();
      renderer.requestFrame();
    });
    if (editor.kind === "points" && this.autoZoom()) requestAnimationFrame(() => this.focusCurrent());
    return unsubscribe;
  }

  /** Point mode: zoom onto the current point, unless it is already in view at that zoom. */
  focusCurrent(): void {
    const { renderer } = this;
    const s = this.session();
    if (!s || s.editor.kind !== "points") return;
    const p = s.editor.currentPoint;
    const { width, height } = renderer.viewSize;
    if (!p || width === 0) return;
    const fit = renderer.fitTransform();
    const scale = focusScale(fit, width, height);
    if (scale <= fit.scale * 1.05) {
      // A small image: the whole of it is already as close as auto-zoom would go.
      renderer.fit();
      return;
    }
    const centre = { x: p.x + 0.5, y: p.y + 0.5 };
    if (Math.abs(renderer.transform.scale - scale) < 1e-6 && isInView(renderer.transform, centre, width, height, 80)) return;
    renderer.focus(centre, scale);
  }

  /** Point mode, after a render: when the current point moved, follow it (with auto-zoom on). */
  follow(s: Session): void {
    if (s.editor.kind !== "points") return;
    const c = s.editor.current;
    // The store, not a render's value: "overview" may have turned auto-zoom off since.
    if (c !== this.lastCurrent && this.autoZoom()) this.focusCurrent();
    this.lastCurrent = c;
  }

  /** Region mode: shows the next segment with requested pixels left and flashes its box; false when there is none. */
  jumpToUnlabelled(editor: RegionEditor): boolean {
    const { renderer } = this;
    const next = editor.nextUnlabelled(this.lastJump);
    if (!next) return false;
    this.lastJump = next.id;
    const { width, height } = renderer.viewSize;
    renderer.showRect(next.box, closeUpScale(renderer.fitTransform().scale, width, height, next.box));
    this.flash = { box: next.box, until: performance.now() + 1600 };
    renderer.invalidateUi();
    setTimeout(() => renderer.invalidateUi(), 1700);
    return true;
  }

  /** Region mode drags: paint, erase (Alt) or fill (fill tool or Shift+click). */
  stroke(editor: RegionEditor, canEdit: () => boolean, onFillMissed: () => void): StrokeHandlers {
    const { renderer } = this;
    return {
      begin: (p, e) => {
        if (!canEdit()) return;
        if (editor.tool === "fill" || e.shiftKey) {
          if (!editor.fillAt(p.x, p.y, e.altKey)) onFillMissed();
          renderer.requestFrame();
          return;
        }
        editor.beginStroke(p.x, p.y, e.altKey);
        renderer.requestFrame();
      },
      move: (p) => {
        this.hover = p;
        if (editor.painting) {
          editor.moveStroke(p.x, p.y);
          renderer.requestFrame();
        }
        renderer.invalidateUi();
      },
      end: () => {
        editor.endStroke();
        renderer.requestFrame();
      },
    };
  }

  /** The pointer over the view (image coordinates), or null when it left. */
  readonly setHover = (p: Point | null): void => {
    this.hover = p;
    const e = this.session()?.editor;
    if (e?.kind === "region") {
      if (p && e.tool === "fill") e.setHover(p.x, p.y);
      this.renderer.invalidateUi();
    }
  };

  /** A click on the view: in point mode, go to the point under it. */
  readonly click = (p: Point): void => {
    const s = this.session();
    if (s?.editor.kind !== "points") return;
    const t = this.renderer.transform;
    const hit = hitTest(t, s.editor.points, imageToCanvasF(t, p), CLICK_RADIUS);
    if (hit !== null) s.editor.goto(hit);
  };
}
