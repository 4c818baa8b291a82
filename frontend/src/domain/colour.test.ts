import { describe, expect, it } from "vitest";
import { contrastText, hexToRgb } from "./colour";

describe("colour", () => {
  it("parses hex colours", () => {
    expect(hexToRgb("#ff8000")).toEqual([255, 128, 0]);
    expect(hexToRgb("#F80")).toEqual([255, 136, 0]);
    expect(hexToRgb("nonsense")).toEqual([136, 136, 136]);
  });
  it("picks a readable text colour", () => {
    expect(contrastText("#000000")).toBe("#ffffff");
    expect(contrastText("#ffffff")).toBe("#000000");
    expect(contrastText("#dcdc00")).toBe("#000000"); // yellow
    expect(contrastText("#00008e")).toBe("#ffffff"); // dark blue
  });
});
