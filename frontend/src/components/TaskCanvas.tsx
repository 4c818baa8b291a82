import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { hexToRgb, UNSURE_COLOUR } from "../colour";
import { canvasToImage, fitTransform, hitTest, imageToCanvas, type ViewTransform } from "../geometry";
import { UNSURE } from "../points";
import type { PreparedTask } from "../taskLoader";

interface Props {
  prepared: PreparedTask;
  labels: readonly (number | null)[];
  current: number;
  colours: ReadonlyMap<number, string>;
  onPick: (index: number) => void;
}

const PADDING = 16;
const HIT_RADIUS = 14;
const CURRENT_COLOUR = "#ffd400";
const REGION_TODO: [number, number, number] = [255, 0, 200];

export function labelColour(colours: ReadonlyMap<number, string>, classId: number): string {
  if (classId === UNSURE) return UNSURE_COLOUR;
  return colours.get(classId) ?? "#888888";
}

/** The task image, scaled to fit with crisp pixels, with the points / regions drawn over it. */
export function TaskCanvas({ prepared, labels, current, colours, onPick }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<{ w: number; h: number }>({ w: 0, h: 0 });
  const [hover, setHover] = useState(false);
  const { task, image, items, segments, segmentIndex } = prepared;

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const update = (): void => setSize({ w: el.clientWidth, h: el.clientHeight });
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const transform = useMemo<ViewTransform>(
    () => fitTransform(task.width, task.height, size.w, size.h, PADDING),
    [task.width, task.height, size.w, size.h],
  );

  // Region overlay at image resolution; redrawn when labels or the current segment change.
  const overlay = useMemo(() => {
    if (!segments || !segmentIndex) return null;
    const c = document.createElement("canvas");
    c.width = task.width;
    c.height = task.height;
    const ctx = c.getContext("2d");
    if (!ctx) return null;
    const img = ctx.createImageData(task.width, task.height);
    const fills = segments.map((_, i) => {
      const l = labels[i];
      if (i === current) return { rgb: hexToRgb(CURRENT_COLOUR), a: 150 };
      if (l === null || l === undefined) return { rgb: REGION_TODO, a: 110 };
      return { rgb: hexToRgb(labelColour(colours, l)), a: 150 };
    });
    for (let p = 0; p < segmentIndex.length; p++) {
      const s = segmentIndex[p] ?? -1;
      if (s < 0) continue;
      const f = fills[s];
      if (!f) continue;
      img.data[4 * p] = f.rgb[0];
      img.data[4 * p + 1] = f.rgb[1];
      img.data[4 * p + 2] = f.rgb[2];
      img.data[4 * p + 3] = f.a;
    }
    ctx.putImageData(img, 0, 0);
    return c;
  }, [segments, segmentIndex, labels, current, colours, task.width, task.height]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || size.w === 0 || size.h === 0) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.w * dpr);
    canvas.height = Math.round(size.h * dpr);
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size.w, size.h);
    ctx.imageSmoothingEnabled = false;
    const t = transform;
    const dw = t.imageWidth * t.scale;
    const dh = t.imageHeight * t.scale;
    ctx.drawImage(image, t.offsetX, t.offsetY, dw, dh);
    if (overlay) ctx.drawImage(overlay, t.offsetX, t.offsetY, dw, dh);

    const r = Math.min(8, Math.max(5.5, t.scale * 1.2));
    items.forEach((p, i) => {
      if (i !== current) drawMarker(ctx, imageToCanvas(t, p), r, labels[i] ?? null, colours);
    });
    const cur = items[current];
    if (cur) drawCurrent(ctx, t, cur, r, labels[current] ?? null, colours, segments === null);
  }, [size, transform, image, overlay, items, labels, current, colours, segments]);

  const pick = (e: MouseEvent): number | null => {
    const canvas = canvasRef.current;
    if (!canvas) return null;
    const rect = canvas.getBoundingClientRect();
    const c = { x: e.clientX - rect.left, y: e.clientY - rect.top };
    const hit = hitTest(transform, items, c, HIT_RADIUS);
    if (hit !== null) return hit;
    if (segmentIndex) {
      const p = canvasToImage(transform, c);
      const s = p ? (segmentIndex[p.y * task.width + p.x] ?? -1) : -1;
      if (s >= 0) return s;
    }
    return null;
  };

  return (
    <div class="canvas-wrap" ref={wrapRef}>
      <canvas
        ref={canvasRef}
        data-testid="annotate-canvas"
        data-current={current}
        data-items={items.length}
        class={hover ? "task-canvas hovering" : "task-canvas"}
        style={{ width: `${size.w}px`, height: `${size.h}px` }}
        aria-label={`Task image ${task.width}×${task.height} with ${items.length} ${segments ? "regions" : "points"} to label`}
        role="img"
        onClick={(e) => {
          const i = pick(e);
          if (i !== null) onPick(i);
        }}
        onMouseMove={(e) => setHover(pick(e) !== null)}
        onMouseLeave={() => setHover(false)}
      />
    </div>
  );
}

function drawMarker(
  ctx: CanvasRenderingContext2D,
  c: { x: number; y: number },
  r: number,
  label: number | null,
  colours: ReadonlyMap<number, string>,
): void {
  ctx.beginPath();
  ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
  if (label === null) {
    // Unlabelled: hollow ring, white on a dark halo so it reads on any image.
    ctx.lineWidth = 3.5;
    ctx.strokeStyle = "rgba(0,0,0,0.75)";
    ctx.stroke();
    ctx.lineWidth = 1.75;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    return;
  }
  ctx.fillStyle = labelColour(colours, label);
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(c.x, c.y, r + 1.5, 0, Math.PI * 2);
  ctx.lineWidth = 1;
  ctx.strokeStyle = "rgba(0,0,0,0.75)";
  ctx.stroke();
  if (label === UNSURE) {
    ctx.fillStyle = "#111827";
    ctx.font = `bold ${Math.round(r * 1.5)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("?", c.x, c.y + 0.5);
  }
}

/**
 * Crosshair + ring around the current point (hollow, so the pixel itself stays
 * visible), an inner ring in the class colour once labelled, and the exact
 * pixel's outline when zoomed in.
 */
function drawCurrent(
  ctx: CanvasRenderingContext2D,
  t: ViewTransform,
  p: { x: number; y: number },
  r: number,
  label: number | null,
  colours: ReadonlyMap<number, string>,
  withCrosshair: boolean,
): void {
  const c = imageToCanvas(t, p);
  if (label !== null) {
    ctx.beginPath();
    ctx.arc(c.x, c.y, r + 1, 0, Math.PI * 2);
    ctx.lineWidth = 5;
    ctx.strokeStyle = "rgba(0,0,0,0.8)";
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = labelColour(colours, label);
    ctx.stroke();
  }
  const ring = r + 7;
  const strokeBoth = (draw: () => void, width: number): void => {
    ctx.lineWidth = width + 2.5;
    ctx.strokeStyle = "rgba(0,0,0,0.8)";
    ctx.beginPath();
    draw();
    ctx.stroke();
    ctx.lineWidth = width;
    ctx.strokeStyle = CURRENT_COLOUR;
    ctx.beginPath();
    draw();
    ctx.stroke();
  };
  strokeBoth(() => ctx.arc(c.x, c.y, ring, 0, Math.PI * 2), 2);
  if (withCrosshair) {
    const inner = ring + 3;
    const outer = ring + 18;
    strokeBoth(() => {
      ctx.moveTo(c.x - outer, c.y);
      ctx.lineTo(c.x - inner, c.y);
      ctx.moveTo(c.x + inner, c.y);
      ctx.lineTo(c.x + outer, c.y);
      ctx.moveTo(c.x, c.y - outer);
      ctx.lineTo(c.x, c.y - inner);
      ctx.moveTo(c.x, c.y + inner);
      ctx.lineTo(c.x, c.y + outer);
    }, 1.5);
  }
  if (t.scale >= 8) {
    const x = t.offsetX + p.x * t.scale;
    const y = t.offsetY + p.y * t.scale;
    ctx.lineWidth = 1;
    ctx.strokeStyle = CURRENT_COLOUR;
    ctx.strokeRect(x + 0.5, y + 0.5, t.scale - 1, t.scale - 1);
  }
}
