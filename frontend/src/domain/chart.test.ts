import { describe, expect, it } from "vitest";
import { axisTicks, bandPath, niceCeil, percentTicks, scales } from "./chart";

describe("chart", () => {
  it("rounds steps up to 1, 2, 2.5 or 5 × a power of ten", () => {
    expect(niceCeil(0)).toBe(1);
    expect(niceCeil(3)).toBe(5);
    expect(niceCeil(0.3)).toBe(0.5);
    expect(niceCeil(2100)).toBe(2500);
  });
  it("makes ticks from 0 past the maximum", () => {
    expect(axisTicks(1000)).toEqual({ ticks: [0, 250, 500, 750, 1000, 1250], end: 1250 });
    expect(axisTicks(0.8).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(axisTicks(2, { integer: true }).ticks).toEqual([0, 1, 2, 3]);
  });
  it("ends a percentage axis at the next 10 % above the top, 20 % at least", () => {
    expect(percentTicks(0.05)).toEqual({ ticks: [0, 0.1, 0.2], end: 0.2 });
    expect(percentTicks(0.55)).toEqual({ ticks: [0, 0.2, 0.4, 0.6], end: 0.6 });
    expect(percentTicks(0.99).end).toBe(1);
  });
  it("maps values onto the frame inside its margins, y upwards", () => {
    const { x, y } = scales({ width: 120, height: 60, margin: { left: 10, right: 10, top: 5, bottom: 5 } }, 10, 1);
    expect([x(0), x(10), y(0), y(1), y(0.5)]).toEqual([10, 110, 55, 5, 30]);
  });
  it("draws a band along the highs and back along the lows", () => {
    expect(bandPath([])).toBe("");
    expect(
      bandPath([
        { x: 30, low: 80, high: 60 },
        { x: 10, low: 100, high: 90 },
      ]),
    ).toBe("M10.0,90.0 L30.0,60.0 L30.0,80.0 L10.0,100.0 Z");
  });
  it("draws one point's band as a bar", () => {
    expect(bandPath([{ x: 10, low: 50, high: 40 }], 5)).toBe("M5.0,40.0 L15.0,40.0 L15.0,50.0 L5.0,50.0 Z");
  });
});
