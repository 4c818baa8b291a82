import { describe, expect, it, vi } from "vitest";
import { ClientKeys, pointLabels, withRetry } from "./submission";

describe("pointLabels", () => {
  it("pairs points with their labels and drops unlabelled ones", () => {
    const pts = [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
      { x: 5, y: 6 },
    ];
    expect(pointLabels(pts, [7, null, 255])).toEqual([
      { x: 1, y: 2, class_id: 7 },
      { x: 5, y: 6, class_id: 255 },
    ]);
  });
});

describe("ClientKeys", () => {
  it("reuses the key for a retry of the same payload and makes a new one otherwise", () => {
    let n = 0;
    const keys = new ClientKeys(() => `k${++n}`);
    const a = [{ x: 1, y: 1, class_id: 1 }];
    expect(keys.keyFor(1, a)).toBe("k1");
    expect(keys.keyFor(1, [...a])).toBe("k1");
    expect(keys.keyFor(1, [{ x: 1, y: 1, class_id: 2 }])).toBe("k2");
    expect(keys.keyFor(2, [{ x: 1, y: 1, class_id: 2 }])).toBe("k3");
    keys.done();
    expect(keys.keyFor(2, [{ x: 1, y: 1, class_id: 2 }])).toBe("k4");
  });

  it("defaults to UUIDs", () => {
    const k = new ClientKeys().keyFor(1, []);
    expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("withRetry", () => {
  const noSleep = (): Promise<void> => Promise.resolve();

  it("retries until success", async () => {
    const fn = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error("a"))
      .mockRejectedValueOnce(new Error("b"))
      .mockResolvedValue("ok");
    await expect(withRetry(fn, { delays: [1, 1, 1], sleep: noSleep })).resolves.toBe("ok");
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("gives up after the last delay", async () => {
    const fn = vi.fn<() => Promise<string>>().mockRejectedValue(new Error("down"));
    await expect(withRetry(fn, { delays: [1, 1], sleep: noSleep })).rejects.toThrow("down");
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("does not retry errors that should not be retried", async () => {
    const fn = vi.fn<() => Promise<string>>().mockRejectedValue(new Error("bad request"));
    await expect(withRetry(fn, { delays: [1], sleep: noSleep, shouldRetry: () => false })).rejects.toThrow();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("waits the given delays", async () => {
    const waits: number[] = [];
    const fn = vi.fn<() => Promise<number>>().mockRejectedValueOnce(new Error("x")).mockResolvedValue(1);
    await withRetry(fn, { delays: [250, 999], sleep: (ms) => (waits.push(ms), Promise.resolve()) });
    expect(waits).toEqual([250]);
  });
});
