/**
 * Work in progress lives on the server: PUT /tasks/{id}/draft with
 * `{labels, region_png?, seconds_spent, current_point}`, and the task comes
 * back with it from "next task" / GET. This module turns the editor's state
 * into that body and back (validating whatever the server returns), debounces
 * the saves, and remembers which task this browser was working on.
 */

import { IGNORE_INDEX, type DraftBody, type PixelLabel, type Point } from "../api";
import type { KeyValueStorage } from "./storage";
import { base64ToBytes, bytesToBase64, decodeLabelPng, encodeGrayPng } from "./png";

// --- serialisation -------------------------------------------------------------------

/** A point task's draft: one label per labelled point. */
export function pointsDraft(
  points: readonly Point[],
  labels: readonly (number | null)[],
  current: number,
  secondsSpent: number,
): DraftBody {
  const out: PixelLabel[] = [];
  points.forEach((p, i) => {
    const c = labels[i];
    if (c !== null && c !== undefined) out.push({ x: p.x, y: p.y, class_id: c });
  });
  return { labels: out, seconds_spent: roundSeconds(secondsSpent), current_point: Math.max(0, current) };
}

export interface RestoredPoints {
  labels: (number | null)[];
  current: number;
  secondsSpent: number;
}

/**
 * Labels aligned with the task's points from a saved draft (matched by
 * position, so a reordered list still restores); null when there is no usable
 * draft. Labels at positions the task does not ask for are dropped.
 */
export function restorePointsDraft(points: readonly Point[], draft: unknown, validIds: ReadonlySet<number>): RestoredPoints | null {
  if (!isRecord(draft)) return null;
  const labels: (number | null)[] = points.map(() => null);
  const at = new Map(points.map((p, i) => [`${p.x},${p.y}`, i]));
  if (Array.isArray(draft.labels)) {
    for (const l of draft.labels) {
      if (!isRecord(l)) continue;
      const { x, y, class_id } = l;
      if (typeof x !== "number" || typeof y !== "number" || typeof class_id !== "number") continue;
      if (!validIds.has(class_id) && class_id !== IGNORE_INDEX) continue;
      const i = at.get(`${x},${y}`);
      if (i !== undefined) labels[i] = class_id;
    }
  }
  const current = typeof draft.current_point === "number" && Number.isInteger(draft.current_point) ? draft.current_point : 0;
  return {
    labels,
    current: Math.min(Math.max(0, current), Math.max(0, points.length - 1)),
    secondsSpent: seconds(draft.seconds_spent),
  };
}

/** A region task's draft: the whole label layer as a one-channel PNG (255 = unlabelled). */
export async function regionDraft(
  labels: Uint8Array,
  width: number,
  height: number,
  secondsSpent: number,
  current = 0,
): Promise<DraftBody> {
  return {
    labels: [],
    region_png: bytesToBase64(await encodeGrayPng(labels, width, height)),
    seconds_spent: roundSeconds(secondsSpent),
    current_point: Math.max(0, current),
  };
}

export interface RestoredRegion {
  labels: Uint8Array;
  secondsSpent: number;
}

/** The label layer from a region draft; null when absent, corrupt or of another size. */
export async function restoreRegionDraft(draft: unknown, width: number, height: number): Promise<RestoredRegion | null> {
  if (!isRecord(draft) || typeof draft.region_png !== "string" || draft.region_png === "") return null;
  try {
    const png = await decodeLabelPng(base64ToBytes(draft.region_png));
    if (png.width !== width || png.height !== height) return null;
    return { labels: png.data, secondsSpent: seconds(draft.seconds_spent) };
  } catch {
    return null;
  }
}

/** Seconds spent according to a draft (0 when missing). */
export function draftSeconds(draft: unknown): number {
  return isRecord(draft) ? seconds(draft.seconds_spent) : 0;
}

function seconds(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.min(v, 86_400) : 0;
}

function roundSeconds(s: number): number {
  return Math.min(86_400, Math.max(0, Math.round(s * 10) / 10));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

// --- autosave --------------------------------------------------------------------

export type SaveState = "idle" | "pending" | "saving" | "saved" | "error";

export interface AutoSaverOptions {
  save: (body: DraftBody, options: { keepalive: boolean }) => Promise<void>;
  delayMs?: number;
  onState?: (state: SaveState, error?: unknown) => void;
  /** While this holds (e.g. a brush stroke is under way) a due save waits: no encoding mid-stroke. */
  busy?: () => boolean;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (id: unknown) => void;
}

/**
 * Debounced, serialised draft saves: `changed()` (re)starts the timer;
 * when it fires the latest snapshot is built and sent. One save at a time —
 * changes during a save trigger one more save after it. `flush()` saves now
 * (page hidden, task left); a failed save is retried on the next change or flush.
 */
export class AutoSaver {
  private timer: unknown = null;
  private dirty = false;
  private inFlight: Promise<boolean> | null = null;
  private stateNow: SaveState = "idle";
  private disposed = false;

  constructor(
    private snapshot: () => DraftBody | Promise<DraftBody>,
    private readonly opts: AutoSaverOptions,
  ) {}

  get state(): SaveState {
    return this.stateNow;
  }

  get hasUnsaved(): boolean {
    return this.dirty || this.inFlight !== null;
  }

  /** Something changed: save after the delay (restarting it). */
  changed(): void {
    if (this.disposed) return;
    this.dirty = true;
    this.setState("pending");
    this.arm(this.opts.delayMs ?? 1000);
  }

  private arm(ms: number): void {
    this.clear();
    const set = this.opts.setTimer ?? ((fn: () => void, delay: number) => setTimeout(fn, delay));
    this.timer = set(() => {
      this.timer = null;
      if (this.opts.busy?.()) this.arm(250);
      else void this.flush();
    }, ms);
  }

  /** Saves pending changes now; resolves when nothing is left to save (or a save failed). */
  async flush(options: { keepalive?: boolean } = {}): Promise<void> {
    this.clear();
    while (!this.disposed) {
      if (this.inFlight) {
        await this.inFlight;
        continue;
      }
      if (!this.dirty) return;
      this.dirty = false;
      const run = this.saveOnce(options.keepalive ?? false).finally(() => {
        this.inFlight = null;
      });
      this.inFlight = run;
      if (!(await run)) return;
    }
  }

  private async saveOnce(keepalive: boolean): Promise<boolean> {
    this.setState("saving");
    try {
      const body = await this.snapshot();
      await this.opts.save(body, { keepalive });
      if (!this.dirty) this.setState("saved");
      return true;
    } catch (err) {
      this.dirty = true; // keep it for the next attempt
      this.setState("error", err);
      return false;
    }
  }

  /** Stops saving (task submitted or skipped); pending changes are dropped. */
  dispose(): void {
    this.disposed = true;
    this.dirty = false;
    this.clear();
  }

  private clear(): void {
    if (this.timer !== null) {
      (this.opts.clearTimer ?? ((id: unknown) => clearTimeout(id as ReturnType<typeof setTimeout>)))(this.timer);
      this.timer = null;
    }
  }

  private setState(s: SaveState, err?: unknown): void {
    this.stateNow = s;
    this.opts.onState?.(s, err);
  }
}

// --- which task this browser is on ------------------------------------------------------

export interface CurrentTask {
  taskId: number;
  /** A submitted task reopened to correct it (its drafts are not saved on the server). */
  correction: boolean;
}

/**
 * Remembers, per user and project, the task on screen, so a reload (or a new
 * tab) resumes it: a leased task through "next task" (the server hands back the
 * caller's own lease with its draft), a correction by id.
 */
export class CurrentTaskStore {
  constructor(private readonly storage: KeyValueStorage | null) {}

  private key(userId: number, projectId: number): string {
    return `segloop.current.${userId}.${projectId}`;
  }

  get(userId: number, projectId: number): CurrentTask | null {
    try {
      const raw = this.storage?.getItem(this.key(userId, projectId));
      if (!raw) return null;
      const v: unknown = JSON.parse(raw);
      if (isRecord(v) && Number.isInteger(v.taskId) && typeof v.correction === "boolean") {
        return { taskId: v.taskId as number, correction: v.correction };
      }
    } catch {
      // unreadable: as if absent
    }
    return null;
  }

  set(userId: number, projectId: number, value: CurrentTask): void {
    try {
      this.storage?.setItem(this.key(userId, projectId), JSON.stringify(value));
    } catch {
      // storage disabled: resuming still works through "next task"
    }
  }

  clear(userId: number, projectId: number): void {
    try {
      this.storage?.removeItem(this.key(userId, projectId));
    } catch {
      // ignore
    }
  }
}

/**
 * The labels this browser last submitted per task, so "previous task" can show
 * them for correction (the API returns a submitted task without its labels).
 * Bounded: the most recent `limit` tasks.
 */
export class SubmittedCache {
  constructor(
    private readonly storage: KeyValueStorage | null,
    private readonly limit = 20,
  ) {}

  private key(userId: number): string {
    return `segloop.submitted.${userId}`;
  }

  /** Oldest first, as [taskId, body] pairs (an array keeps the order, unlike integer object keys). */
  private read(userId: number): [number, DraftBody][] {
    try {
      const raw = this.storage?.getItem(this.key(userId));
      const v: unknown = raw ? JSON.parse(raw) : null;
      if (!Array.isArray(v)) return [];
      return v.filter(
        (e): e is [number, DraftBody] => Array.isArray(e) && e.length === 2 && Number.isInteger(e[0]) && isRecord(e[1]),
      );
    } catch {
      return [];
    }
  }

  get(userId: number, taskId: number): DraftBody | null {
    return this.read(userId).find(([id]) => id === taskId)?.[1] ?? null;
  }

  put(userId: number, taskId: number, body: DraftBody): void {
    const all = this.read(userId).filter(([id]) => id !== taskId);
    all.push([taskId, body]);
    let keep = all.slice(-this.limit);
    while (keep.length > 0) {
      try {
        this.storage?.setItem(this.key(userId), JSON.stringify(keep));
        return;
      } catch {
        keep = keep.slice(1); // over quota (big region PNGs): drop the oldest and try again
      }
    }
  }
}
