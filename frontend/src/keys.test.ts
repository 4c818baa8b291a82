import { describe, expect, it } from "vitest";
import { classKeyLabel, mapKey } from "./keys";

describe("mapKey", () => {
  it("maps 1..9, 0 to the first ten classes", () => {
    expect(mapKey({ key: "1" }, 12)).toEqual({ type: "class", index: 0 });
    expect(mapKey({ key: "9" }, 12)).toEqual({ type: "class", index: 8 });
    expect(mapKey({ key: "0" }, 12)).toEqual({ type: "class", index: 9 });
  });

  it("ignores digits beyond the project's classes", () => {
    expect(mapKey({ key: "4" }, 3)).toBeNull();
    expect(mapKey({ key: "0" }, 9)).toBeNull();
    expect(mapKey({ key: "3" }, 3)).toEqual({ type: "class", index: 2 });
  });

  it("uses the physical digit row on layouts like AZERTY", () => {
    expect(mapKey({ key: "&", code: "Digit1" }, 5)).toEqual({ type: "class", index: 0 });
    expect(mapKey({ key: "à", code: "Digit0" }, 10)).toEqual({ type: "class", index: 9 });
  });

  it("ignores modified keys (browser shortcuts)", () => {
    expect(mapKey({ key: "1", ctrlKey: true }, 5)).toBeNull();
    expect(mapKey({ key: "u", metaKey: true }, 5)).toBeNull();
    expect(mapKey({ key: "ArrowLeft", altKey: true }, 5)).toBeNull();
  });

  it("maps navigation, unsure, submit and help", () => {
    expect(mapKey({ key: "u" }, 2)).toEqual({ type: "unsure" });
    expect(mapKey({ key: "U" }, 2)).toEqual({ type: "unsure" });
    expect(mapKey({ key: "ArrowRight" }, 2)).toEqual({ type: "next" });
    expect(mapKey({ key: "ArrowLeft" }, 2)).toEqual({ type: "prev" });
    expect(mapKey({ key: "Backspace" }, 2)).toEqual({ type: "prev" });
    expect(mapKey({ key: "Delete" }, 2)).toEqual({ type: "clear" });
    expect(mapKey({ key: "Enter" }, 2)).toEqual({ type: "submit" });
    expect(mapKey({ key: "?", code: "Slash" }, 2)).toEqual({ type: "help" });
    expect(mapKey({ key: "Escape" }, 2)).toEqual({ type: "close" });
    expect(mapKey({ key: "x" }, 2)).toBeNull();
    expect(mapKey({ key: "Shift" }, 2)).toBeNull();
  });

  it("classKeyLabel", () => {
    expect(classKeyLabel(0)).toBe("1");
    expect(classKeyLabel(9)).toBe("0");
    expect(classKeyLabel(10)).toBeNull();
  });
});
