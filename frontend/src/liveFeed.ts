/**
 * Live data from a server-sent event stream, with reconnection and a polling
 * fallback: the admin dashboard's round progress. Pure control flow; the
 * network, the clock and the parser come in as functions.
 *
 * - connect; every `event: <eventName>` delivers fresh data;
 * - when the stream drops, poll once right away (nothing stays stale), then
 *   reconnect after a backoff, polling every `pollIntervalMs` meanwhile;
 * - after `maxFailures` connects in a row that brought no event, stay on
 *   polling and try the stream again only every `retryStreamMs`.
 */

import { readEventStream } from "./sse";

export type FeedMode = "connecting" | "live" | "reconnecting" | "polling" | "stopped";

export interface LiveFeedOptions<T> {
  /** Opens the stream (a fetch that honours the signal). */
  open: (signal: AbortSignal) => Promise<Response>;
  /** The same data by a plain request. */
  poll: () => Promise<T>;
  onData: (data: T) => void;
  onMode?: (mode: FeedMode) => void;
  eventName: string;
  parse?: (data: string) => T;
  backoffMs?: readonly number[];
  pollIntervalMs?: number;
  maxFailures?: number;
  retryStreamMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const id = setTimeout(done, ms);
    function done(): void {
      clearTimeout(id);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

export class LiveFeed<T> {
  private controller: AbortController | null = null;
  private modeNow: FeedMode = "stopped";

  constructor(private readonly opts: LiveFeedOptions<T>) {}

  get mode(): FeedMode {
    return this.modeNow;
  }

  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    void this.run(controller.signal);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.setMode("stopped");
  }

  private setMode(mode: FeedMode): void {
    if (mode === this.modeNow) return;
    this.modeNow = mode;
    this.opts.onMode?.(mode);
  }

  private async run(signal: AbortSignal): Promise<void> {
    // A function, not the property: narrowing would assume it cannot change across awaits.
    const stopped = (): boolean => signal.aborted;
    const {
      open,
      eventName,
      onData,
      parse = (d: string) => JSON.parse(d) as T,
      backoffMs = [1000, 2000, 5000, 10000],
      maxFailures = 3,
      retryStreamMs = 30000,
    } = this.opts;
    let failures = 0;
    while (!stopped()) {
      this.setMode(failures === 0 ? "connecting" : failures >= maxFailures ? "polling" : "reconnecting");
      const got = { event: false }; // set from the stream callback
      try {
        const res = await open(signal);
        const type = res.headers.get("Content-Type") ?? "";
        if (!res.ok || !res.body || !type.includes("text/event-stream")) {
          throw new Error(`event stream unavailable (HTTP ${res.status})`);
        }
        await readEventStream(res.body, (ev) => {
          if (stopped() || ev.event !== eventName) return;
          let data: T;
          try {
            data = parse(ev.data);
          } catch {
            return; // a malformed event: skip it, keep the stream
          }
          got.event = true;
          failures = 0;
          this.setMode("live");
          onData(data);
        });
      } catch {
        // dropped or refused: handled below
      }
      if (stopped()) return;
      if (!got.event) failures++;
      const delay =
        failures >= maxFailures ? retryStreamMs : (backoffMs[Math.min(failures, backoffMs.length - 1)] ?? 1000);
      this.setMode(failures >= maxFailures ? "polling" : "reconnecting");
      await this.pollFor(delay, signal);
    }
  }

  /** Polls now, then every pollIntervalMs, for `total` ms. */
  private async pollFor(total: number, signal: AbortSignal): Promise<void> {
    const { poll, onData, pollIntervalMs = 3000, sleep = abortableSleep } = this.opts;
    const stopped = (): boolean => signal.aborted;
    let left = total;
    for (;;) {
      try {
        const data = await poll();
        if (stopped()) return;
        onData(data);
      } catch {
        // offline: try again at the next tick
      }
      if (stopped() || left <= 0) return;
      const step = Math.min(pollIntervalMs, left);
      await sleep(step, signal);
      left -= step;
      if (stopped() || left <= 0) return;
    }
  }
}
