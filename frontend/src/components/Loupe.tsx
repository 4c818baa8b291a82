import { useEffect, useRef } from "preact/hooks";
import type { Point } from "../api";
import { loupeRect } from "../domain/geometry";

const SIZE_PX = 248;
const SPAN = 25; // image pixels across

/** Magnified view around the current point, with its pixel outlined. */
export function Loupe({ image, width, height, point }: { image: CanvasImageSource; width: number; height: number; point: Point | null }) {
  const ref = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(SIZE_PX * dpr);
    canvas.height = Math.round(SIZE_PX * dpr);
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#11141a";
    ctx.fillRect(0, 0, SIZE_PX, SIZE_PX);
    if (!point) return;
    const r = loupeRect(width, height, point, SPAN);
    const scale = SIZE_PX / Math.max(r.w, r.h);
    const ox = (SIZE_PX - r.w * scale) / 2;
    const oy = (SIZE_PX - r.h * scale) / 2;
    ctx.imageSmoothingEnabled = false;
    // The image element may be larger or smaller than the task size: map task pixels onto it.
    const sx = sourceSize(image).w / width || 1;
    const sy = sourceSize(image).h / height || 1;
    ctx.drawImage(image, r.x * sx, r.y * sy, r.w * sx, r.h * sy, ox, oy, r.w * scale, r.h * scale);
    const px = ox + (point.x - r.x) * scale;
    const py = oy + (point.y - r.y) * scale;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0,0,0,0.85)";
    ctx.strokeRect(px - 1, py - 1, scale + 2, scale + 2);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#ffd400";
    ctx.strokeRect(px - 1, py - 1, scale + 2, scale + 2);
  }, [image, width, height, point]);

  return <canvas ref={ref} class="loupe" style={{ width: `${SIZE_PX}px`, height: `${SIZE_PX}px` }} aria-hidden="true" />;
}

function sourceSize(image: CanvasImageSource): { w: number; h: number } {
  if (image instanceof HTMLImageElement) return { w: image.naturalWidth, h: image.naturalHeight };
  if (typeof ImageBitmap !== "undefined" && image instanceof ImageBitmap) return { w: image.width, h: image.height };
  return { w: 0, h: 0 };
}
