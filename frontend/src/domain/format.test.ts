import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatInt, formatIoU, formatPercent, humanize, methodName, formatCompact, isRegionMethod } from "./format";

describe("format", () => {
  it("percent and IoU", () => {
    expect(formatPercent(0.0234, 2)).toBe("2.34 %");
    expect(formatPercent(null)).toBe("—");
    expect(formatIoU(0.5234)).toBe("52.3");
    expect(formatIoU(undefined)).toBe("—");
    expect(formatIoU(Number.NaN)).toBe("—");
  });
  it("byte sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1024)).toBe("1 kB");
    expect(formatBytes(12.4 * 1024)).toBe("12 kB");
    expect(formatBytes(3.45 * 1024 ** 2)).toBe("3.5 MB");
    expect(formatBytes(1.2 * 1024 ** 3)).toBe("1.2 GB");
  });
  it("integers", () => {
    expect(formatInt(1234567)).toBe("1,234,567");
    expect(formatInt(null)).toBe("—");
  });
  it("durations", () => {
    expect(formatDuration(42.9)).toBe("42 s");
    expect(formatDuration(185)).toBe("3 min 05 s");
    expect(formatDuration(3720)).toBe("1 h 02 min");
    expect(formatDuration(-1)).toBe("—");
  });
  it("names", () => {
    expect(humanize("train_model")).toBe("Train model");
    expect(methodName("ppl")).toBe("LabOR PPL (points)");
    expect(methodName("new_method")).toBe("new_method");
  });
});

describe("isRegionMethod", () => {
  it("tells region methods from point methods", () => {
    expect(
      [
        "spl",
        "spl_spread",
        "spl_plus_random",
        "spl_plus_balanced",
        "ripu_region",
        "random_mask",
        "random_segments",
      ].every(isRegionMethod),
    ).toBe(true);
    expect(["ppl", "random", "entropy", "margin", "ripu_pixel"].some(isRegionMethod)).toBe(false);
  });
});

describe("formatCompact", () => {
  it("shortens large numbers", () => {
    expect(formatCompact(0)).toBe("0");
    expect(formatCompact(950)).toBe("950");
    expect(formatCompact(1000)).toBe("1k");
    expect(formatCompact(12_500)).toBe("12.5k");
    expect(formatCompact(1_234_567)).toBe("1.23M");
    expect(formatCompact(Number.NaN)).toBe("—");
  });
});
