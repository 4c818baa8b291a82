/**
 * Label maps as PNG, exact to the byte (a canvas round-trip is not: colour
 * management and premultiplied alpha can change values). The codec is
 * fast-png; this module adds what the app needs on top of it.
 *
 * - `encodeGrayPng`: 8-bit one-channel PNG (colour type 0), what the API takes
 *   as `region_png` (class id per pixel, 255 = unlabelled).
 * - `decodeLabelPng`: one value per pixel from any PNG: the gray value, the
 *   palette index (a "P" label map decodes to its class ids) or the first
 *   channel of a colour image; 16-bit samples keep their high byte.
 *
 * Both return promises, so that callers need not care where the work runs.
 */

import { decode, encode } from "fast-png";

export interface LabelMap {
  width: number;
  height: number;
  /** One value per pixel, row-major. */
  data: Uint8Array;
}

/** An 8-bit grayscale PNG of `data` (one byte per pixel, row-major). */
export function encodeGrayPng(data: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return new Promise((resolve) => resolve(encode({ width, height, data, channels: 1, depth: 8 })));
}

export function decodeLabelPng(bytes: Uint8Array): Promise<LabelMap> {
  return new Promise((resolve) => {
    const { width, height, channels, depth, data: src } = decode(bytes, { checkCrc: true });
    if (depth === 8 && channels === 1 && src instanceof Uint8Array) {
      resolve({ width, height, data: src });
      return;
    }
    const data = new Uint8Array(width * height);
    if (depth < 8) {
      // One channel (gray or palette), several pixels per byte, each row padded to a byte.
      const stride = Math.ceil((width * depth) / 8);
      const perByte = 8 / depth;
      const mask = (1 << depth) - 1;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const byte = src[y * stride + Math.floor(x / perByte)] as number;
          data[y * width + x] = (byte >> (8 - depth * ((x % perByte) + 1))) & mask;
        }
      }
    } else {
      const shift = depth === 16 ? 8 : 0;
      for (let i = 0; i < data.length; i++) data[i] = (src[i * channels] as number) >> shift;
    }
    resolve({ width, height, data });
  });
}

// --- base64 (for PNGs in JSON bodies) -------------------------------------------

export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
