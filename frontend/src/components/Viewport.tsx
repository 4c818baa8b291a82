import { useEffect, useRef } from "preact/hooks";
import type { Point } from "../api";
import { canvasToImageF, type ViewTransform } from "../domain/geometry";
import type { StrokeHandlers, ViewRenderer } from "../canvas/viewRenderer";

interface Props {
  renderer: ViewRenderer;
  /** Left-drag pans (point mode); otherwise it draws (region mode) and panning needs Space, right or middle button. */
  leftDragPans: boolean;
  cursor: string;
  label: string;
  onClick?: (p: Point, e: PointerEvent) => void;
  stroke?: StrokeHandlers;
  onHover?: (p: Point | null) => void;
  onTransform?: (t: ViewTransform) => void;
}

const CLICK_SLOP = 4; // CSS px a press may move and still be a click

/**
 * The zoomable, pannable stage: two stacked canvases drawn by `renderer`.
 * Wheel zooms at the cursor; drag pans; clicks and strokes are reported in
 * image coordinates (floats: pixel (x, y) covers [x, x+1)).
 */
export function Viewport({ renderer, leftDragPans, cursor, label, onClick, stroke, onHover, onTransform }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const uiRef = useRef<HTMLCanvasElement>(null);
  const props = useRef({ leftDragPans, onClick, stroke, onHover, onTransform, cursor });
  props.current = { leftDragPans, onClick, stroke, onHover, onTransform, cursor };

  useEffect(() => {
    const wrap = wrapRef.current;
    const base = baseRef.current;
    const ui = uiRef.current;
    if (!wrap || !base || !ui) return;
    renderer.attach(base, ui);
    const publish = (t: ViewTransform): void => {
      ui.dataset.scale = String(t.scale);
      ui.dataset.offsetX = String(t.offsetX);
      ui.dataset.offsetY = String(t.offsetY);
      props.current.onTransform?.(t);
    };
    renderer.onTransform = publish;
    const ro = new ResizeObserver(() => {
      renderer.resize(wrap.clientWidth, wrap.clientHeight);
      publish(renderer.transform);
    });
    ro.observe(wrap);
    renderer.resize(wrap.clientWidth, wrap.clientHeight);
    publish(renderer.transform);

    let space = false;
    let drag: { id: number; x: number; y: number; sx: number; sy: number; pan: boolean; moved: boolean } | null = null;
    const setCursor = (): void => {
      ui.style.cursor = drag?.pan && drag.moved ? "grabbing" : space ? "grab" : props.current.cursor;
    };
    const local = (e: MouseEvent): Point => {
      const r = ui.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const toImage = (e: MouseEvent): Point => canvasToImageF(renderer.transform, local(e));

    const onDown = (e: PointerEvent): void => {
      if (drag) return;
      ui.focus({ preventScroll: true });
      const c = local(e);
      const pan = e.button === 1 || e.button === 2 || space || (e.button === 0 && props.current.leftDragPans);
      if (e.button !== 0 && !pan) return;
      e.preventDefault();
      try {
        ui.setPointerCapture(e.pointerId);
      } catch {
        // not an active pointer (a synthetic event): strokes still work without capture
      }
      drag = { id: e.pointerId, x: c.x, y: c.y, sx: c.x, sy: c.y, pan, moved: false };
      if (!pan && props.current.stroke) props.current.stroke.begin(toImage(e), e);
      setCursor();
    };
    const onMove = (e: PointerEvent): void => {
      const c = local(e);
      if (drag?.id === e.pointerId) {
        if (!drag.moved && Math.hypot(c.x - drag.sx, c.y - drag.sy) > CLICK_SLOP) drag.moved = true;
        if (drag.pan) {
          if (drag.moved) renderer.panBy(c.x - drag.x, c.y - drag.y);
        } else if (props.current.stroke) {
          // Every coalesced sample, so fast strokes stay continuous.
          const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
          for (const ce of events.length > 0 ? events : [e]) props.current.stroke.move(toImage(ce), ce);
        }
        drag.x = c.x;
        drag.y = c.y;
        setCursor();
      }
      props.current.onHover?.(canvasToImageF(renderer.transform, c));
    };
    const onUp = (e: PointerEvent): void => {
      if (drag?.id !== e.pointerId) return;
      const d = drag;
      drag = null;
      if (ui.hasPointerCapture(e.pointerId)) ui.releasePointerCapture(e.pointerId);
      if (!d.pan) props.current.stroke?.end();
      else if (!d.moved && e.button === 0 && !space) props.current.onClick?.(toImage(e), e);
      if (!d.pan && !d.moved && !props.current.stroke) props.current.onClick?.(toImage(e), e);
      setCursor();
    };
    const onCancel = (e: PointerEvent): void => {
      if (drag?.id !== e.pointerId) return;
      if (!drag.pan) props.current.stroke?.end();
      drag = null;
      setCursor();
    };
    const onLeave = (): void => {
      if (!drag) props.current.onHover?.(null);
    };
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
      const dy = Math.max(-300, Math.min(300, e.deltaY * unit));
      if (e.shiftKey && !e.ctrlKey) {
        renderer.panBy(-dy, 0);
        return;
      }
      renderer.zoomAt(Math.exp(-dy * 0.0015), local(e));
    };
    const editable = (t: EventTarget | null): boolean =>
      t instanceof HTMLElement && t.closest("input, textarea, select, [contenteditable='true']") !== null;
    const onKeyDown = (e: KeyboardEvent): void => {
      if (e.key !== " " || editable(e.target)) return;
      e.preventDefault(); // no page scroll
      if (!space) {
        space = true;
        setCursor();
      }
    };
    const onKeyUp = (e: KeyboardEvent): void => {
      if (e.key !== " ") return;
      space = false;
      setCursor();
    };
    const onBlur = (): void => {
      space = false;
      setCursor();
    };
    const noMenu = (e: Event): void => e.preventDefault();

    ui.addEventListener("pointerdown", onDown);
    ui.addEventListener("pointermove", onMove);
    ui.addEventListener("pointerup", onUp);
    ui.addEventListener("pointercancel", onCancel);
    ui.addEventListener("pointerleave", onLeave);
    ui.addEventListener("wheel", onWheel, { passive: false });
    ui.addEventListener("contextmenu", noMenu);
    window.addEventListener("keydown", onKeyDown);
    window.addEventListener("keyup", onKeyUp);
    window.addEventListener("blur", onBlur);
    setCursor();
    return () => {
      ro.disconnect();
      ui.removeEventListener("pointerdown", onDown);
      ui.removeEventListener("pointermove", onMove);
      ui.removeEventListener("pointerup", onUp);
      ui.removeEventListener("pointercancel", onCancel);
      ui.removeEventListener("pointerleave", onLeave);
      ui.removeEventListener("wheel", onWheel);
      ui.removeEventListener("contextmenu", noMenu);
      window.removeEventListener("keydown", onKeyDown);
      window.removeEventListener("keyup", onKeyUp);
      window.removeEventListener("blur", onBlur);
      renderer.onTransform = null;
      renderer.detach();
    };
  }, [renderer]);

  useEffect(() => {
    if (uiRef.current) uiRef.current.style.cursor = cursor;
  }, [cursor]);

  return (
    <div class="viewport" ref={wrapRef}>
      <canvas ref={baseRef} class="viewport-layer" aria-hidden="true" />
      <canvas
        ref={uiRef}
        class="viewport-layer viewport-ui"
        data-testid="annotate-canvas"
        tabIndex={-1}
        role="img"
        aria-label={label}
      />
    </div>
  );
}
