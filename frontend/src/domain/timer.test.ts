import { describe, expect, it } from "vitest";
import { Stopwatch } from "./timer";

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("Stopwatch", () => {
  it("counts only running time", () => {
    const c = clock();
    const sw = new Stopwatch(c.now);
    sw.reset();
    c.advance(1500);
    sw.pause();
    c.advance(10_000); // hidden tab: not counted
    sw.start();
    c.advance(500);
    expect(sw.elapsedMs()).toBe(2000);
    expect(sw.elapsedSeconds()).toBe(2);
  });

  it("start and pause are idempotent", () => {
    const c = clock();
    const sw = new Stopwatch(c.now);
    sw.reset(0, false);
    sw.start();
    c.advance(100);
    sw.start();
    c.advance(100);
    sw.pause();
    sw.pause();
    expect(sw.elapsedMs()).toBe(200);
    expect(sw.running).toBe(false);
  });

  it("resumes from a restored elapsed time", () => {
    const c = clock();
    const sw = new Stopwatch(c.now);
    sw.reset(4000);
    c.advance(1000);
    expect(sw.elapsedSeconds()).toBe(5);
  });
});
