/**
 * A small PNG codec for label maps, exact to the byte (a canvas round-trip is
 * not: colour management and premultiplied alpha can change values).
 *
 * - `encodeGrayPng`: 8-bit one-channel PNG (colour type 0), what the API takes
 *   as `region_png` (class id per pixel, 255 = unlabelled).
 * - `decodePng`: non-interlaced PNGs of every colour type at 1/2/4/8/16 bits,
 *   samples returned as stored (palette images give their indices: a "P"
 *   label map decodes to its class ids).
 *
 * zlib comes from the Compression Streams API ("deflate" = RFC 1950), in every
 * current browser and in Node ≥ 18 (Vitest).
 */

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

export class PngError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PngError";
  }
}

// --- CRC-32 (ISO 3309), as PNG chunks use it -----------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// --- zlib via Compression Streams ------------------------------------------------

async function pipe(data: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function zlibDeflate(data: Uint8Array): Promise<Uint8Array> {
  return pipe(data, new CompressionStream("deflate"));
}

export async function zlibInflate(data: Uint8Array): Promise<Uint8Array> {
  try {
    return await pipe(data, new DecompressionStream("deflate"));
  } catch (err) {
    throw new PngError(`corrupt image data (${err instanceof Error ? err.message : String(err)})`);
  }
}

// --- encoder ---------------------------------------------------------------------

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * Filtered scanlines for one-channel 8-bit data: the first row unfiltered,
 * every other row with Up. Label maps are mostly runs that repeat from row to
 * row, which Up turns into zeros; one pass, so a 2048×1024 map filters in a
 * few milliseconds (it runs on the main thread, between strokes).
 */
export function filterRows(data: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width + 1;
  const out = new Uint8Array(stride * height);
  out.set(data.subarray(0, width), 1);
  for (let y = 1; y < height; y++) {
    const row = y * width;
    const o = y * stride;
    out[o] = 2;
    for (let x = 0; x < width; x++) out[o + 1 + x] = ((data[row + x] as number) - (data[row - width + x] as number)) & 0xff;
  }
  return out;
}

/** An 8-bit grayscale PNG of `data` (one byte per pixel, row-major). */
export async function encodeGrayPng(data: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PngError(`bad size ${width}x${height}`);
  }
  if (data.length !== width * height) throw new PngError(`expected ${width * height} bytes, got ${data.length}`);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const idat = await zlibDeflate(filterRows(data, width, height));
  const parts = [SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// --- decoder ---------------------------------------------------------------------

export interface DecodedPng {
  width: number;
  height: number;
  /** Samples per pixel: 1 gray/palette, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  bitDepth: number;
  colourType: number;
  /** Samples as stored (16-bit samples keep their high byte), `channels` per pixel. */
  data: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export async function decodePng(bytes: Uint8Array): Promise<DecodedPng> {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new PngError("not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  let header: { width: number; height: number; bitDepth: number; colourType: number; interlace: number } | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (off + 12 <= bytes.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const start = off + 8;
    if (start + len + 4 > bytes.length) throw new PngError(`truncated ${type} chunk`);
    if (crc32(bytes, off + 4, start + len) !== view.getUint32(start + len)) throw new PngError(`bad CRC in ${type}`);
    if (type === "IHDR") {
      header = {
        width: view.getUint32(start),
        height: view.getUint32(start + 4),
        bitDepth: bytes[start + 8] as number,
        colourType: bytes[start + 9] as number,
        interlace: bytes[start + 12] as number,
      };
    } else if (type === "IDAT") {
      idat.push(bytes.subarray(start, start + len));
    } else if (type === "IEND") {
      ended = true;
      break;
    }
    off = start + len + 4;
  }
  if (!header) throw new PngError("missing IHDR");
  if (!ended) throw new PngError("missing IEND");
  const { width, height, bitDepth, colourType, interlace } = header;
  const channels = CHANNELS[colourType];
  if (channels === undefined) throw new PngError(`unknown colour type ${colourType}`);
  if (interlace !== 0) throw new PngError("interlaced PNGs are not supported");
  const okDepth = colourType === 0 ? [1, 2, 4, 8, 16] : colourType === 3 ? [1, 2, 4, 8] : [8, 16];
  if (!okDepth.includes(bitDepth)) throw new PngError(`bit depth ${bitDepth} is invalid for colour type ${colourType}`);
  if (width < 1 || height < 1) throw new PngError("empty image");

  const total = idat.reduce((n, c) => n + c.length, 0);
  const compressed = new Uint8Array(total);
  let o = 0;
  for (const c of idat) {
    compressed.set(c, o);
    o += c.length;
  }
  const raw = await zlibInflate(compressed);
  const bitsPerPixel = channels * bitDepth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3); // bytes per complete pixel, for filters
  if (raw.length < (stride + 1) * height) throw new PngError("image data is too short");

  const cur = new Uint8Array(stride);
  const prev = new Uint8Array(stride);
  const out = new Uint8Array(width * height * channels);
  const sampleBytes = bitDepth === 16 ? 2 : 1;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const x = line[i] as number;
      const a = i >= bpp ? (cur[i - bpp] as number) : 0;
      const b = prev[i] as number;
      const c = i >= bpp ? (prev[i - bpp] as number) : 0;
      switch (filter) {
        case 0:
          cur[i] = x;
          break;
        case 1:
          cur[i] = x + a;
          break;
        case 2:
          cur[i] = x + b;
          break;
        case 3:
          cur[i] = x + ((a + b) >> 1);
          break;
        case 4:
          cur[i] = x + paeth(a, b, c);
          break;
        default:
          throw new PngError(`bad filter type ${filter} on row ${y}`);
      }
    }
    const base = y * width * channels;
    if (bitDepth >= 8) {
      for (let s = 0; s < width * channels; s++) out[base + s] = cur[s * sampleBytes] as number;
    } else {
      const perByte = 8 / bitDepth;
      const maskBits = (1 << bitDepth) - 1;
      for (let x = 0; x < width; x++) {
        const byte = cur[Math.floor(x / perByte)] as number;
        const shift = 8 - bitDepth * ((x % perByte) + 1);
        out[base + x] = (byte >> shift) & maskBits;
      }
    }
    prev.set(cur);
  }
  return { width, height, channels, bitDepth, colourType, data: out };
}

/**
 * A label map (one value per pixel) from a PNG: gray value, palette index, or
 * the first channel of a colour image.
 */
export async function decodeLabelPng(bytes: Uint8Array): Promise<{ width: number; height: number; data: Uint8Array }> {
  const png = await decodePng(bytes);
  if (png.channels === 1) return { width: png.width, height: png.height, data: png.data };
  const n = png.width * png.height;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = png.data[i * png.channels] as number;
  return { width: png.width, height: png.height, data };
}

// --- base64 ---------------------------------------------------------------------

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
