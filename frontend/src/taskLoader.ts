/** Browser side of loading a task: authenticated image/mask blobs → drawable images and items. */

import type { ApiClient, Point, Task } from "./api";
import { maskFromRGBA, segmentMask, type Segment } from "./mask";

export interface PreparedTask {
  task: Task;
  image: HTMLImageElement;
  /** Object URL behind `image`; revoked by disposeTask. */
  imageUrl: string;
  /** What the annotator steps through: suggested points, or one anchor per mask segment. */
  items: Point[];
  segments: Segment[] | null;
  /** Per image pixel: index of its segment, or -1. */
  segmentIndex: Int32Array | null;
}

export async function prepareTask(api: ApiClient, task: Task): Promise<PreparedTask> {
  const imageBlob = await api.fetchBlob(task.image_url);
  const imageUrl = URL.createObjectURL(imageBlob);
  try {
    const image = await loadImage(imageUrl);
    let segments: Segment[] | null = null;
    let segmentIndex: Int32Array | null = null;
    if (task.kind === "region" && task.mask_url) {
      const maskBlob = await api.fetchBlob(task.mask_url);
      const mask = await decodeMask(maskBlob, task.width, task.height);
      segments = segmentMask(mask, task.width, task.height);
      segmentIndex = new Int32Array(task.width * task.height).fill(-1);
      segments.forEach((s, i) => {
        for (const p of s.pixels) (segmentIndex as Int32Array)[p] = i;
      });
    }
    const items = segments ? segments.map((s) => s.anchor) : task.points.map((p) => ({ x: p.x, y: p.y }));
    return { task, image, imageUrl, items, segments, segmentIndex };
  } catch (err) {
    URL.revokeObjectURL(imageUrl);
    throw err;
  }
}

export function disposeTask(t: PreparedTask | null): void {
  if (t) URL.revokeObjectURL(t.imageUrl);
}

async function loadImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.decoding = "async";
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error("The task image could not be decoded.");
  }
  return img;
}

async function decodeMask(blob: Blob, width: number, height: number): Promise<Uint8Array> {
  const url = URL.createObjectURL(blob);
  try {
    const img = await loadImage(url);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("Canvas 2D is not available.");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, width, height);
    return maskFromRGBA(ctx.getImageData(0, 0, width, height).data, width, height);
  } finally {
    URL.revokeObjectURL(url);
  }
}
