import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64, decodeLabelPng, encodeGrayPng } from "./png";

// Written by Pillow (mode "L", "P" with a 4-colour palette → 2-bit, "RGB").
const PIL_L =
  "iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFCAAAAACs8akEAAAAI0lEQVR4nGNkYGdnZ2dnZzSE0CyG7Oz99ezsjJMRfHZ2dnYAONEDBJ7NQUwAAAAASUVORK5CYII=";
const PIL_P =
  "iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFAgMAAAD09B5LAAAADFBMVEUAAAD/AAAA/wAAAP+bwBPcAAAAF0lEQVR4nGOU/svwR4Rx1T9Gwf8MT3IALOMGNIrdNMcAAAAASUVORK5CYII=";
const PIL_RGB =
  "iVBORw0KGgoAAAANSUhEUgAAAAMAAAAECAIAAADETxJQAAAAM0lEQVR4nAEoANf/AHmDwfMIJNLyPwFP3mz29dUj0UsBFQfdq8+sEX7qAckfTVZVrQPubYyXEv6dS35rAAAAAElFTkSuQmCC";
// Hand-filtered: row y uses filter y % 5 (None, Sub, Up, Average, Paeth).
const ALL_FILTERS_GRAY =
  "iVBORw0KGgoAAAANSUhEUgAAAAUAAAAGCAAAAAAukAuXAAAALUlEQVR4nGM4L6pro8d4VnB7KR9TxwSuAm3mf2kiuT9YvDfX1zxnyFs1TWcPAN1GDa609XqDAAAAAElFTkSuQmCC";
const ALL_FILTERS_GRAY_VALUES = [
  207, 21, 45, 60, 46, 205, 222, 149, 10, 24, 85, 110, 159, 122, 67, 40, 177, 188, 8, 29, 115, 100, 227, 132, 107,
  110, 170, 150, 44, 188,
];
const ALL_FILTERS_RGB =
  "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAFCAIAAADtz9qMAAAATElEQVR4nAFBAL7/AMH0yUhRpqay3krwAAET+fE5Kl+/wVmKWs8CHcyIux5kenuXgl0xA22Mse8E0eLPDJLXJgQiSXafoEUtE70UO/EUNB4pHVVwBQAAAABJRU5ErkJggg==";
const ALL_FILTERS_RGB_VALUES = [
  193, 244, 201, 72, 81, 166, 166, 178, 222, 74, 240, 0, 19, 249, 241, 76, 35, 80, 11, 228, 169, 149, 62, 120, 48,
  197, 121, 7, 65, 180, 133, 95, 64, 23, 155, 169, 133, 238, 237, 53, 155, 161, 63, 76, 124, 189, 74, 184, 167, 55,
  99, 212, 215, 168, 1, 174, 57, 209, 233, 109,
];

// Written by Pillow: 16-bit grayscale (mode "I;16"), 1-bit grayscale (mode "1").
const PIL_I16 =
  "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACEAAAAADoj+WFAAAAFklEQVR4nGNgZGpg+P+fgeG/kMk/RgAefgTGYAtyFQAAAABJRU5ErkJggg==";
const PIL_1BIT = "iVBORw0KGgoAAAANSUhEUgAAAAkAAAACAQAAAACiLct+AAAADklEQVR4nGPcdI7BlwEAB1gBz2ny21AAAAAASUVORK5CYII=";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe("decodeLabelPng", () => {
  it("decodes Pillow's 8-bit grayscale", async () => {
    const png = await decodeLabelPng(base64ToBytes(PIL_L));
    expect([png.width, png.height]).toEqual([7, 5]);
    const expected = Array.from({ length: 35 }, (_, i) => (i * 7) % 256);
    expected[2 * 7 + 3] = 255;
    expect(Array.from(png.data)).toEqual(expected);
  });

  it("decodes a 2-bit palette image to its indices", async () => {
    const png = await decodeLabelPng(base64ToBytes(PIL_P));
    expect(Array.from(png.data)).toEqual([
      0, 1, 2, 3, 0, 1, 2, 3, 3, 3, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 0, 1, 0, 1, 0, 1, 0, 3, 2, 1, 0, 1, 2, 3,
    ]);
  });

  it("unpacks 1-bit rows padded to a byte", async () => {
    const png = await decodeLabelPng(base64ToBytes(PIL_1BIT));
    expect([png.width, png.height]).toEqual([9, 2]);
    expect(Array.from(png.data)).toEqual([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0]);
  });

  it("keeps the high byte of 16-bit samples", async () => {
    const png = await decodeLabelPng(base64ToBytes(PIL_I16));
    expect(Array.from(png.data)).toEqual([0x01, 0x80, 0xff, 0x00, 0x12, 0xfe]);
  });

  it("takes the first channel of a colour image as the label", async () => {
    const png = await decodeLabelPng(base64ToBytes(PIL_RGB));
    expect(Array.from(png.data)).toEqual([121, 243, 210, 79, 69, 104, 21, 192, 209, 201, 31, 34]);
  });

  it("undoes all five filter types", async () => {
    const gray = await decodeLabelPng(base64ToBytes(ALL_FILTERS_GRAY));
    expect(Array.from(gray.data)).toEqual(ALL_FILTERS_GRAY_VALUES);
    const rgb = await decodeLabelPng(base64ToBytes(ALL_FILTERS_RGB));
    expect(Array.from(rgb.data)).toEqual(ALL_FILTERS_RGB_VALUES.filter((_, i) => i % 3 === 0));
    // Every channel, as the codec returns it.
    const full = decode(base64ToBytes(ALL_FILTERS_RGB));
    expect(full.channels).toBe(3);
    expect(Array.from(full.data)).toEqual(ALL_FILTERS_RGB_VALUES);
  });

  it("rejects garbage, bad CRCs and truncation", async () => {
    await expect(decodeLabelPng(new Uint8Array([1, 2, 3]))).rejects.toThrow();
    const bytes = base64ToBytes(PIL_L);
    const badCrc = bytes.slice();
    badCrc[30] = (badCrc[30] ?? 0) ^ 0xff; // inside IHDR's data
    await expect(decodeLabelPng(badCrc)).rejects.toThrow(/CRC/);
    await expect(decodeLabelPng(bytes.slice(0, bytes.length - 20))).rejects.toThrow();
  });
});

describe("encodeGrayPng", () => {
  it("round-trips every byte value exactly", async () => {
    const w = 37;
    const h = 23;
    const data = new Uint8Array(w * h);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 5)) & 0xff;
    const png = await encodeGrayPng(data, w, h);
    const back = decode(png);
    // 8-bit, one channel, no palette: colour type 0.
    expect([back.width, back.height, back.channels, back.depth, back.palette]).toEqual([w, h, 1, 8, undefined]);
    expect(png[25]).toBe(0); // IHDR colour type
    expect(back.data).toEqual(data);
    expect((await decodeLabelPng(png)).data).toEqual(data);
  });

  it("compresses a sparse label map to a small file", async () => {
    const w = 2048;
    const h = 1024;
    const data = new Uint8Array(w * h).fill(255);
    for (let y = 100; y < 200; y++) data.fill(3, y * w + 500, y * w + 700);
    const png = await encodeGrayPng(data, w, h);
    expect(png.length).toBeLessThan(20_000);
    // (Deep equality on 2 M elements is slow: compare the bytes.)
    expect(sameBytes((await decodeLabelPng(png)).data, data)).toBe(true);
  });

  it("validates its input", async () => {
    await expect(encodeGrayPng(new Uint8Array(5), 2, 2)).rejects.toThrow();
    await expect(encodeGrayPng(new Uint8Array(0), 0, 0)).rejects.toThrow();
  });
});

describe("base64", () => {
  it("round-trips binary data larger than one chunk", () => {
    const bytes = new Uint8Array(100_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    const b64 = bytesToBase64(bytes);
    expect(b64.slice(0, 8)).toBe(btoa(String.fromCharCode(...bytes.subarray(0, 6))));
    expect(base64ToBytes(b64)).toEqual(bytes);
  });
});
