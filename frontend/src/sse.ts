/**
 * Server-sent events read with fetch() (EventSource cannot send the
 * Authorization header): an incremental parser for the text/event-stream
 * format, and a reader that feeds it from a Response body.
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

export interface SseEvent {
  /** "message" when the event has no `event:` field. */
  event: string;
  data: string;
  id: string | null;
  /** `retry:` in ms, when the server sent one with this event. */
  retry: number | null;
}

export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | null = null;
  private retry: number | null = null;
  private sawCR = false;
  private lastId: string | null = null;

  /** Feeds a decoded chunk; returns the events it completed. Chunks may split lines anywhere. */
  feed(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let text = chunk;
    // A CRLF split across chunks: the LF right after a CR that ended the last chunk is not a new line.
    if (this.sawCR && text.startsWith("\n")) text = text.slice(1);
    this.sawCR = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== "\n" && ch !== "\r") continue;
      const line = this.buffer.slice(start, i);
      if (ch === "\r") {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === "\n") i++;
        } else {
          this.sawCR = true;
        }
      }
      start = i + 1;
      const ev = this.line(line);
      if (ev) events.push(ev);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        break;
      case "event":
        this.event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.id = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    if (this.id !== null) this.lastId = this.id;
    const hasData = this.data.length > 0;
    const ev: SseEvent = {
      event: this.event === "" ? "message" : this.event,
      data: this.data.join("\n"),
      id: this.lastId,
      retry: this.retry,
    };
    this.data = [];
    this.event = "";
    this.id = null;
    this.retry = null;
    return hasData ? ev : null;
  }
}

/**
 * Reads an event stream until it ends (resolves) or fails (rejects), calling
 * `onEvent` for each event. Abort through the signal given to fetch().
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (e: SseEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const ev of parser.feed(decoder.decode(value, { stream: true }))) onEvent(ev);
    }
    for (const ev of parser.feed(decoder.decode())) onEvent(ev);
  } finally {
    reader.releaseLock();
  }
}
