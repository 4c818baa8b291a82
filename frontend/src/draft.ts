/**
 * The task being labelled is saved to sessionStorage on every change, so a
 * reload (or a crash) brings back the same task with its labels and time.
 */

import type { KeyValueStorage } from "./auth";

export interface Draft {
  v: 1;
  taskId: number;
  projectId: number;
  labels: (number | null)[];
  current: number;
  elapsedMs: number;
}

const KEY = "segloop.draft";

export class DraftStore {
  constructor(private readonly storage: KeyValueStorage | null) {}

  save(draft: Omit<Draft, "v">): void {
    try {
      this.storage?.setItem(KEY, JSON.stringify({ v: 1, ...draft }));
    } catch {
      // storage full or disabled: drafts are a convenience
    }
  }

  load(): Draft | null {
    let raw: string | null;
    try {
      raw = this.storage?.getItem(KEY) ?? null;
    } catch {
      return null;
    }
    if (raw === null) return null;
    try {
      const parsed: unknown = JSON.parse(raw);
      return isDraft(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }

  clear(): void {
    try {
      this.storage?.removeItem(KEY);
    } catch {
      // ignore
    }
  }
}

function isDraft(x: unknown): x is Draft {
  if (x === null || typeof x !== "object") return false;
  const d = x as Record<string, unknown>;
  return (
    d.v === 1 &&
    Number.isInteger(d.taskId) &&
    Number.isInteger(d.projectId) &&
    Number.isInteger(d.current) &&
    typeof d.elapsedMs === "number" &&
    Array.isArray(d.labels) &&
    d.labels.every((l) => l === null || Number.isInteger(l))
  );
}
