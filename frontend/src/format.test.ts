import { describe, expect, it } from "vitest";
import { formatDuration, formatInt, formatIoU, formatPercent, humanize, methodName } from "./format";

describe("format", () => {
  it("percent and IoU", () => {
    expect(formatPercent(0.0234, 2)).toBe("2.34 %");
    expect(formatPercent(null)).toBe("—");
    expect(formatIoU(0.5234)).toBe("52.3");
    expect(formatIoU(undefined)).toBe("—");
    expect(formatIoU(Number.NaN)).toBe("—");
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
