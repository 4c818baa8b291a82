/** The client's errors, and FastAPI's `detail` made readable or placed by field. */

/** An HTTP error from the API (status >= 400) with the server's `detail`. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;

  constructor(status: number, detail: unknown) {
    super(detailMessage(detail, status));
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

/** The request never got an HTTP answer (offline, DNS, aborted...). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("Network error: the server could not be reached", { cause });
    this.name = "NetworkError";
  }
}

/** Turns FastAPI's `detail` (a string or a list of validation errors) into one readable line. */
export function detailMessage(detail: unknown, status?: number): string {
  if (typeof detail === "string" && detail.trim() !== "") return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((item: unknown) => {
      if (typeof item === "string") return item;
      if (item !== null && typeof item === "object") {
        const rec = item as { msg?: unknown; loc?: unknown };
        const msg = typeof rec.msg === "string" ? rec.msg : JSON.stringify(item);
        const loc = Array.isArray(rec.loc)
          ? rec.loc.filter((p: unknown) => p !== "body").map(String).join(".")
          : "";
        return loc ? `${loc}: ${msg}` : msg;
      }
      return String(item);
    });
    if (parts.length > 0) return parts.join("; ");
  }
  return status === undefined ? "Request failed" : `Request failed (HTTP ${status})`;
}

/** A readable message for any error thrown by the client. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** One validation error of a 422, its `loc` relative to the request body. */
export interface FieldIssue {
  /** e.g. ["model_settings", "image_size", 1]; [] for the body as a whole. */
  loc: (string | number)[];
  msg: string;
  /** The limit that failed, e.g. { le: 1 } (the server keeps these in its 422s). */
  ctx: Record<string, unknown>;
}

/**
 * The validation errors of a 422 whose `detail` is FastAPI's list of {loc, msg};
 * null for any other error (a string detail, another status, a network error).
 */
export function validationIssues(err: unknown): FieldIssue[] | null {
  if (!(err instanceof ApiError) || err.status !== 422 || !Array.isArray(err.detail)) return null;
  const issues: FieldIssue[] = [];
  for (const item of err.detail as unknown[]) {
    if (item === null || typeof item !== "object") continue;
    const rec = item as { loc?: unknown; msg?: unknown; ctx?: unknown };
    const raw: unknown[] = Array.isArray(rec.loc) ? rec.loc : [];
    const loc = raw.filter((p): p is string | number => typeof p === "string" || typeof p === "number");
    if (loc[0] === "body") loc.shift();
    const ctx = rec.ctx !== null && typeof rec.ctx === "object" ? (rec.ctx as Record<string, unknown>) : {};
    issues.push({ loc, msg: typeof rec.msg === "string" ? rec.msg : JSON.stringify(item), ctx });
  }
  return issues.length > 0 ? issues : null;
}
