import { describe, expect, it } from "vitest";
import type { KeyValueStorage } from "./auth";
import { DraftStore } from "./draft";

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe("DraftStore", () => {
  it("saves, loads and clears", () => {
    const s = memory();
    const d = new DraftStore(s);
    expect(d.load()).toBeNull();
    d.save({ taskId: 4, projectId: 1, labels: [1, null, 255], current: 1, elapsedMs: 1234 });
    expect(new DraftStore(s).load()).toEqual({ v: 1, taskId: 4, projectId: 1, labels: [1, null, 255], current: 1, elapsedMs: 1234 });
    d.clear();
    expect(d.load()).toBeNull();
  });

  it("ignores corrupt or foreign data", () => {
    const s = memory();
    s.setItem("segloop.draft", "{not json");
    expect(new DraftStore(s).load()).toBeNull();
    s.setItem("segloop.draft", JSON.stringify({ v: 1, taskId: "x", projectId: 1, labels: [], current: 0, elapsedMs: 0 }));
    expect(new DraftStore(s).load()).toBeNull();
    s.setItem("segloop.draft", JSON.stringify({ v: 1, taskId: 1, projectId: 1, labels: ["a"], current: 0, elapsedMs: 0 }));
    expect(new DraftStore(s).load()).toBeNull();
  });
});
