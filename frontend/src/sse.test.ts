import { describe, expect, it } from "vitest";
import { LiveFeed, type FeedMode } from "./liveFeed";
import { readEventStream, SseParser, type SseEvent } from "./sse";

describe("SseParser", () => {
  it("parses named events with multi-line data", () => {
    const p = new SseParser();
    const evs = p.feed('event: rounds\ndata: [1,\ndata: 2]\n\n');
    expect(evs).toEqual([{ event: "rounds", data: "[1,\n2]", id: null, retry: null }]);
  });

  it("handles lines and events split anywhere across chunks", () => {
    const p = new SseParser();
    const text = "event: rounds\ndata: {\"a\":1}\n\nevent: rounds\ndata: {\"a\":2}\n\n";
    const out: SseEvent[] = [];
    for (const ch of text) out.push(...p.feed(ch));
    expect(out.map((e) => e.data)).toEqual(['{"a":1}', '{"a":2}']);
  });

  it("accepts CRLF and CR line endings, even a CRLF split between chunks", () => {
    const p = new SseParser();
    expect(p.feed("data: a\r")).toEqual([]);
    const evs = p.feed("\n\r\ndata: b\r\rdata:c\n\n");
    expect(evs.map((e) => e.data)).toEqual(["a", "b", "c"]);
  });

  it("skips comments (keep-alives), unknown fields and events without data", () => {
    const p = new SseParser();
    expect(p.feed(": keep-alive\n\nfoo: bar\nevent: x\n\n")).toEqual([]);
    const [ev] = p.feed("data\n\n");
    expect(ev).toEqual({ event: "message", data: "", id: null, retry: null });
  });

  it("tracks the last event id and retry", () => {
    const p = new SseParser();
    const evs = p.feed("id: 7\nretry: 1500\ndata: x\n\ndata: y\n\n");
    expect(evs[0]?.id).toBe("7");
    expect(evs[0]?.retry).toBe(1500);
    expect(evs[1]?.id).toBe("7");
    expect(evs[1]?.retry).toBeNull();
  });

  it("keeps only the first space after the colon", () => {
    const [ev] = new SseParser().feed("data:  two spaces\n\n");
    expect(ev?.data).toBe(" two spaces");
  });
});

function streamOf(chunks: string[], fail = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const queue = [...chunks];
  return new ReadableStream({
    pull(c) {
      const next = queue.shift();
      if (next !== undefined) c.enqueue(enc.encode(next));
      else if (fail) c.error(new Error("connection reset"));
      else c.close();
    },
  });
}

function sseResponse(chunks: string[], fail = false): Response {
  return new Response(streamOf(chunks, fail), { headers: { "Content-Type": "text/event-stream" } });
}

describe("readEventStream", () => {
  it("decodes UTF-8 split across byte chunks", async () => {
    const bytes = new TextEncoder().encode("data: héllo\n\n");
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 8)); // splits the two-byte é
        c.enqueue(bytes.slice(8));
        c.close();
      },
    });
    const got: string[] = [];
    await readEventStream(body, (e) => got.push(e.data));
    expect(got).toEqual(["héllo"]);
  });
});

describe("LiveFeed", () => {
  function harness(responses: (() => Response | Promise<Response>)[], pollResult: () => Promise<number[]>) {
    const data: number[][] = [];
    const modes: FeedMode[] = [];
    const sleeps: number[] = [];
    let opens = 0;
    let polls = 0;
    const stopAfter = { opens: Infinity, polls: Infinity };
    const feed: LiveFeed<number[]> = new LiveFeed<number[]>({
      eventName: "rounds",
      open: () => {
        opens++;
        const next = responses.shift();
        if (opens > stopAfter.opens || !next) {
          feed.stop();
          return Promise.reject(new Error("stopped"));
        }
        return Promise.resolve(next());
      },
      poll: () => {
        polls++;
        if (polls > stopAfter.polls) feed.stop();
        return pollResult();
      },
      onData: (d) => data.push(d),
      onMode: (m) => modes.push(m),
      backoffMs: [100, 200],
      pollIntervalMs: 50,
      maxFailures: 2,
      retryStreamMs: 1000,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    return { feed, data, modes, sleeps, stopAfter, counts: () => ({ opens, polls }) };
  }

  async function settle(feed: LiveFeed<number[]>): Promise<void> {
    for (let i = 0; i < 200 && feed.mode !== "stopped"; i++) await new Promise((r) => setTimeout(r, 0));
  }

  it("delivers events, ignores others, and polls + reconnects after a drop", async () => {
    const h = harness(
      [
        () => sseResponse(["event: rounds\ndata: [1]\n\n", ": keep-alive\n\n", "event: other\ndata: [9]\n\n"]),
        () => sseResponse(["event: rounds\ndata: [2]\n\n"], true),
      ],
      () => Promise.resolve([0]),
    );
    h.feed.start();
    await settle(h.feed);
    // stream 1 → [1]; drop → backoff 100 ms: poll, sleep 50, poll, sleep 50 → reconnect;
    // stream 2 → [2], then error → poll again ... until the harness runs out of responses.
    expect(h.data.slice(0, 5)).toEqual([[1], [0], [0], [2], [0]]);
    expect(h.sleeps.slice(0, 2)).toEqual([50, 50]);
    expect(h.modes.slice(0, 3)).toEqual(["connecting", "live", "reconnecting"]);
    expect(h.modes).toContain("stopped");
  });

  it("falls back to polling when the stream keeps failing, and retries it rarely", async () => {
    const refused = (): Response => new Response("nope", { status: 502 });
    const h = harness([refused, refused, refused], () => Promise.resolve([7]));
    h.feed.start();
    await settle(h.feed);
    expect(h.modes).toContain("polling");
    // failure 1: backoff[1] = 200 → 4 sleeps of 50; failure 2 (= maxFailures): 1000 → 20 sleeps of 50.
    expect(h.sleeps.length).toBe(4 + 20 + 20);
    expect(h.data.every((d) => d[0] === 7)).toBe(true);
  });

  it("treats a non-event-stream answer (e.g. an HTML error page) as a failure", async () => {
    const h = harness([() => new Response("<html>", { headers: { "Content-Type": "text/html" } })], () =>
      Promise.resolve([3]),
    );
    h.feed.start();
    await settle(h.feed);
    expect(h.data[0]).toEqual([3]);
    expect(h.modes[1]).toBe("reconnecting");
  });

  it("survives poll errors and malformed events", async () => {
    let n = 0;
    const h = harness([() => sseResponse(["event: rounds\ndata: {oops\n\n", "event: rounds\ndata: [5]\n\n"])], () =>
      ++n === 1 ? Promise.reject(new Error("offline")) : Promise.resolve([6]),
    );
    h.feed.start();
    await settle(h.feed);
    expect(h.data[0]).toEqual([5]);
    expect(h.data[1]).toEqual([6]);
  });

  it("stop() ends the loop and reports stopped", async () => {
    const h = harness([() => sseResponse(["event: rounds\ndata: [1]\n\n"])], () => Promise.resolve([1]));
    h.stopAfter.polls = 1;
    h.feed.start();
    await settle(h.feed);
    expect(h.feed.mode).toBe("stopped");
    expect(h.counts().opens).toBe(1);
  });
});
