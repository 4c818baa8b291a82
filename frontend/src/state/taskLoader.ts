/** Browser side of loading a task: authenticated image, mask and prediction → drawable image and byte maps. */

import type { ApiClient, Task } from "../api";
import { decodeLabelPng } from "../domain/png";

/** What loading needs from the API client. */
type BlobApi = Pick<ApiClient, "fetchBlob">;

export interface LoadedTask {
  task: Task;
  image: ImageBitmap | HTMLImageElement;
  /** 1 per pixel the selector flagged: requested pixels (region) or inconsistent pixels (points); null without a mask. */
  mask: Uint8Array | null;
}

export async function loadTask(api: BlobApi, task: Task): Promise<LoadedTask> {
  const [image, mask] = await Promise.all([
    loadImage(await api.fetchBlob(task.image_url)),
    task.mask_url ? loadMask(api, task.mask_url, task.width, task.height) : Promise.resolve(null),
  ]);
  return { task, image, mask };
}

/** Model A's class per pixel, or null when the task has none (or it cannot be read). */
export async function loadPrediction(api: BlobApi, task: Task): Promise<Uint8Array | null> {
  if (!task.prediction_url) return null;
  const png = await decodeLabelPng(new Uint8Array(await (await api.fetchBlob(task.prediction_url)).arrayBuffer()));
  if (png.width !== task.width || png.height !== task.height) return null;
  return png.data;
}

export function disposeTask(t: LoadedTask | null): void {
  if (t && "close" in t.image) t.image.close();
}

async function loadMask(api: BlobApi, url: string, width: number, height: number): Promise<Uint8Array> {
  const png = await decodeLabelPng(new Uint8Array(await (await api.fetchBlob(url)).arrayBuffer()));
  if (png.width !== width || png.height !== height) {
    throw new Error(`The task mask is ${png.width}×${png.height}, the image ${width}×${height}.`);
  }
  const mask = new Uint8Array(png.data.length);
  for (let i = 0; i < mask.length; i++) mask[i] = png.data[i] !== 0 ? 1 : 0;
  return mask;
}

export async function loadImage(blob: Blob): Promise<ImageBitmap | HTMLImageElement> {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(blob);
    } catch {
      // fall through to <img> (e.g. a format createImageBitmap refuses)
    }
  }
  const url = URL.createObjectURL(blob);
  try {
    const img = new Image();
    img.decoding = "async";
    img.src = url;
    await img.decode();
    return img;
  } catch {
    throw new Error("The image could not be decoded.");
  } finally {
    URL.revokeObjectURL(url);
  }
}
