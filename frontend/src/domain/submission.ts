/** Turning a labelled task into a submit body, idempotency keys and retries. */

import type { PixelLabel, Point } from "../api";

/** One label per suggested point; unlabelled points are left out. */
export function pointLabels(points: readonly Point[], labels: readonly (number | null)[]): PixelLabel[] {
  const out: PixelLabel[] = [];
  points.forEach((p, i) => {
    const c = labels[i];
    if (c !== null && c !== undefined) out.push({ x: p.x, y: p.y, class_id: c });
  });
  return out;
}

/**
 * Hands out `client_key`s: a fresh key per submission attempt, the same key
 * when the very same payload for the same task is sent again (a retry), so the
 * server can de-duplicate.
 */
export class ClientKeys {
  private last: { taskId: number; payload: string; key: string } | null = null;

  constructor(private readonly newKey: () => string = defaultKey) {}

  keyFor(taskId: number, payload: unknown): string {
    const json = JSON.stringify(payload);
    if (this.last?.taskId === taskId && this.last.payload === json) return this.last.key;
    const key = this.newKey();
    this.last = { taskId, payload: json, key };
    return key;
  }

  /** Forget the key after a successful submission. */
  done(): void {
    this.last = null;
  }
}

function defaultKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  // randomUUID needs a secure context; fall back for plain-http deployments.
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface RetryOptions {
  /** Delays before each retry, in ms; its length is the number of retries. */
  delays?: readonly number[];
  shouldRetry?: (err: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `fn`, retrying after the given delays while `shouldRetry(err)` holds. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const delays = opts.delays ?? [500, 1500, 4000];
  const shouldRetry = opts.shouldRetry ?? (() => true);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = delays[attempt];
      if (delay === undefined || !shouldRetry(err)) throw err;
      await sleep(delay);
    }
  }
}
