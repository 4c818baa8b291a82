import { decode } from "fast-png";
import { describe, expect, it, vi } from "vitest";
import type { DraftBody } from "../api";
import type { KeyValueStorage } from "./storage";
import {
  AutoSaver,
  CurrentTaskStore,
  draftSeconds,
  pointsDraft,
  regionDraft,
  restorePointsDraft,
  restoreRegionDraft,
  SubmittedCache,
  type SaveState,
} from "./draft";
import { base64ToBytes } from "./png";

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

const points = [
  { x: 1, y: 2 },
  { x: 3, y: 4 },
  { x: 5, y: 6 },
];
const ids = new Set([0, 1, 2]);

describe("point drafts", () => {
  it("serialise the labelled points, the current point and the time", () => {
    expect(pointsDraft(points, [2, null, 255], 1, 12.345)).toEqual({
      labels: [
        { x: 1, y: 2, class_id: 2 },
        { x: 5, y: 6, class_id: 255 },
      ],
      seconds_spent: 12.3,
      current_point: 1,
    });
  });

  it("restore by position, whatever the order, dropping foreign points and classes", () => {
    const draft = {
      labels: [
        { x: 5, y: 6, class_id: 1 },
        { x: 1, y: 2, class_id: 255 },
        { x: 9, y: 9, class_id: 1 }, // not a point of this task
        { x: 3, y: 4, class_id: 77 }, // not a class
        { x: "3", y: 4, class_id: 1 }, // malformed
      ],
      seconds_spent: 40.5,
      current_point: 2,
    };
    expect(restorePointsDraft(points, draft, ids)).toEqual({ labels: [255, null, 1], current: 2, secondsSpent: 40.5 });
  });

  it("round-trip", () => {
    const body = pointsDraft(points, [0, 1, null], 2, 3);
    expect(restorePointsDraft(points, JSON.parse(JSON.stringify(body)), ids)).toEqual({
      labels: [0, 1, null],
      current: 2,
      secondsSpent: 3,
    });
  });

  it("tolerate missing or odd drafts", () => {
    expect(restorePointsDraft(points, null, ids)).toBeNull();
    expect(restorePointsDraft(points, [1, 2], ids)).toBeNull();
    expect(restorePointsDraft(points, { current_point: 99, seconds_spent: -4 }, ids)).toEqual({
      labels: [null, null, null],
      current: 2,
      secondsSpent: 0,
    });
    expect(draftSeconds({ seconds_spent: 8 })).toBe(8);
    expect(draftSeconds("x")).toBe(0);
  });
});

describe("region drafts", () => {
  it("carry the label layer as a one-channel PNG, exactly", async () => {
    const w = 40;
    const h = 30;
    const labels = new Uint8Array(w * h).fill(255);
    labels[0] = 0;
    labels[w * h - 1] = 5;
    labels.fill(3, 200, 260);
    const body = await regionDraft(labels, w, h, 75.04, 0);
    expect(body.labels).toEqual([]);
    expect(body.seconds_spent).toBe(75);
    const png = decode(base64ToBytes(body.region_png ?? ""));
    expect([png.width, png.height, png.channels]).toEqual([w, h, 1]);
    const back = await restoreRegionDraft(JSON.parse(JSON.stringify(body)), w, h);
    expect(back?.secondsSpent).toBe(75);
    expect(Array.from(back?.labels ?? [])).toEqual(Array.from(labels));
  });

  it("ignore drafts of another size or with a broken PNG", async () => {
    const body = await regionDraft(new Uint8Array(4).fill(1), 2, 2, 1);
    expect(await restoreRegionDraft(body, 4, 1)).toBeNull();
    expect(await restoreRegionDraft({ region_png: "AAAA" }, 2, 2)).toBeNull();
    expect(await restoreRegionDraft({ labels: [] }, 2, 2)).toBeNull();
  });
});

describe("AutoSaver", () => {
  function manualTimers() {
    let pending: { fn: () => void; ms: number } | null = null;
    return {
      setTimer: (fn: () => void, ms: number) => {
        pending = { fn, ms };
        return pending;
      },
      clearTimer: (id: unknown) => {
        if (id === pending) pending = null;
      },
      fire: () => {
        const p = pending;
        pending = null;
        p?.fn();
      },
      get pending() {
        return pending;
      },
    };
  }

  const body = (n: number): DraftBody => ({ labels: [], seconds_spent: n, current_point: 0 });

  it("debounces: many changes, one save of the latest state after the delay", async () => {
    const timers = manualTimers();
    const saved: number[] = [];
    let n = 0;
    const s = new AutoSaver(() => body(n), {
      save: (b) => {
        saved.push(b.seconds_spent);
        return Promise.resolve();
      },
      delayMs: 1000,
      ...timers,
    });
    n = 1;
    s.changed();
    n = 2;
    s.changed();
    expect(timers.pending?.ms).toBe(1000);
    expect(saved).toEqual([]);
    timers.fire();
    await s.flush();
    expect(saved).toEqual([2]);
    expect(s.state).toBe("saved");
    expect(s.hasUnsaved).toBe(false);
  });

  it("serialises saves: a change during a save triggers exactly one more", async () => {
    const timers = manualTimers();
    const saved: number[] = [];
    let release!: () => void;
    let n = 1;
    const s = new AutoSaver(() => body(n), {
      save: (b) => {
        saved.push(b.seconds_spent);
        return saved.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      ...timers,
    });
    s.changed();
    const first = s.flush();
    await Promise.resolve();
    n = 2;
    s.changed();
    n = 3;
    const second = s.flush(); // waits for the first save, then saves the latest state once
    release();
    await Promise.all([first, second]);
    expect(saved).toEqual([1, 3]);
  });

  it("keeps changes after a failed save and retries on flush", async () => {
    const states: SaveState[] = [];
    const save = vi.fn().mockRejectedValueOnce(new Error("offline")).mockResolvedValue(undefined);
    const s = new AutoSaver(() => body(5), { save, onState: (st) => states.push(st), ...manualTimers() });
    s.changed();
    await s.flush();
    expect(s.state).toBe("error");
    expect(s.hasUnsaved).toBe(true);
    await s.flush({ keepalive: true });
    expect(save).toHaveBeenCalledTimes(2);
    expect(save.mock.calls[1]?.[1]).toEqual({ keepalive: true });
    expect(states).toEqual(["pending", "saving", "error", "saving", "saved"]);
  });

  it("waits while the editor is busy (mid-stroke), then saves", async () => {
    const timers = manualTimers();
    const save = vi.fn().mockResolvedValue(undefined);
    let busy = true;
    const s = new AutoSaver(() => body(2), { save, busy: () => busy, delayMs: 1000, ...timers });
    s.changed();
    timers.fire(); // due, but a stroke is under way
    expect(save).not.toHaveBeenCalled();
    expect(timers.pending?.ms).toBe(250);
    busy = false;
    timers.fire();
    await s.flush();
    expect(save).toHaveBeenCalledTimes(1);
  });

  it("does nothing after dispose", async () => {
    const timers = manualTimers();
    const save = vi.fn().mockResolvedValue(undefined);
    const s = new AutoSaver(() => body(1), { save, ...timers });
    s.changed();
    s.dispose();
    expect(timers.pending).toBeNull();
    s.changed();
    await s.flush();
    expect(save).not.toHaveBeenCalled();
  });
});

describe("CurrentTaskStore", () => {
  it("remembers the task per user and project", () => {
    const st = memory();
    const s = new CurrentTaskStore(st);
    s.set(1, 7, { taskId: 42, correction: false });
    expect(new CurrentTaskStore(st).get(1, 7)).toEqual({ taskId: 42, correction: false });
    expect(s.get(2, 7)).toBeNull();
    expect(s.get(1, 8)).toBeNull();
    s.clear(1, 7);
    expect(s.get(1, 7)).toBeNull();
    st.setItem("segloop.current.1.7", "{bad");
    expect(s.get(1, 7)).toBeNull();
    expect(new CurrentTaskStore(null).get(1, 7)).toBeNull();
  });
});

describe("SubmittedCache", () => {
  it("keeps the most recent submissions, evicting the oldest", () => {
    const st = memory();
    const c = new SubmittedCache(st, 2);
    c.put(1, 30, body(30));
    c.put(1, 10, body(10));
    c.put(1, 30, body(31)); // refreshed: now newest
    c.put(1, 20, body(20)); // evicts 10
    expect(c.get(1, 10)).toBeNull();
    expect(c.get(1, 30)?.seconds_spent).toBe(31);
    expect(c.get(1, 20)?.seconds_spent).toBe(20);
    expect(c.get(2, 20)).toBeNull();
  });

  function body(n: number): DraftBody {
    return { labels: [], seconds_spent: n, current_point: 0 };
  }
});
