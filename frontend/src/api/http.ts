/**
 * The transport under ApiClient (base `/api/v1`): JSON and form requests,
 * bearer auth, the sign-in-again retry, XHR uploads with progress, error bodies.
 *
 * Every call except login sends `Authorization: Bearer <token>`. On a 401 the
 * client asks `onUnauthorized` to get a fresh token (the app shows the login
 * form and keeps its state) and then retries the same request once more, so
 * callers simply see their promise resolve after the user signed in again.
 */

import { ApiError, NetworkError } from "./errors";

export const API_BASE = "/api/v1";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  getToken: () => string | null;
  /**
   * Called on a 401. Resolve once a new token is available (the request is
   * then retried); reject to give up (the original call rejects with 401).
   */
  onUnauthorized?: () => Promise<void>;
  fetch?: FetchLike;
  baseUrl?: string;
  /** How many times one call may go through onUnauthorized before failing. */
  maxReauth?: number;
  xhr?: () => XhrLike;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: Record<string, string>;
  auth?: boolean;
  accept?: string;
  signal?: AbortSignal;
  /** Let the request outlive the page (drafts saved on pagehide); small bodies only. */
  keepalive?: boolean;
}

/** What upload() needs from XMLHttpRequest (a fake in tests). */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface UploadProgress {
  loaded: number;
  /** 0 when the browser cannot tell. */
  total: number;
}

/** Requests with auth and the 401 retry; ApiClient adds the endpoints on top. */
export class HttpClient {
  private readonly getToken: () => string | null;
  private readonly onUnauthorized: (() => Promise<void>) | undefined;
  private readonly fetchFn: FetchLike;
  private readonly baseUrl: string;
  private readonly maxReauth: number;
  private readonly xhrFactory: () => XhrLike;

  constructor(options: ApiClientOptions) {
    this.getToken = options.getToken;
    this.onUnauthorized = options.onUnauthorized;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.baseUrl = options.baseUrl ?? API_BASE;
    this.maxReauth = options.maxReauth ?? 3;
    this.xhrFactory = options.xhr ?? (() => new XMLHttpRequest() as unknown as XhrLike);
  }

  /** Absolute-path URL for an API path; accepts "/projects" or a full "/api/v1/..." URL. */
  url(path: string): string {
    if (/^https?:\/\//.test(path) || path.startsWith(this.baseUrl + "/")) return path;
    return this.baseUrl + (path.startsWith("/") ? path : "/" + path);
  }

  protected async request(path: string, opts: RequestOptions = {}): Promise<Response> {
    const auth = opts.auth ?? true;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: opts.accept ?? "application/json" };
      let body: string | undefined;
      if (opts.json !== undefined) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(opts.json);
      } else if (opts.form !== undefined) {
        headers["Content-Type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams(opts.form).toString();
      }
      if (auth) {
        const token = this.getToken();
        if (token) headers.Authorization = `Bearer ${token}`;
      }
      let res: Response;
      try {
        const init: RequestInit = { method: opts.method ?? "GET", headers, body: body ?? null };
        if (opts.signal) init.signal = opts.signal;
        if (opts.keepalive) init.keepalive = true;
        res = await this.fetchFn(this.url(path), init);
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        throw new NetworkError(err);
      }
      if (res.status === 401 && auth && this.onUnauthorized && attempt < this.maxReauth) {
        await this.onUnauthorized();
        continue;
      }
      if (!res.ok) throw new ApiError(res.status, await readDetail(res));
      return res;
    }
  }

  protected async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(path, opts);
    return (await res.json()) as T;
  }

  /**
   * POSTs a multipart form with progress events, through XMLHttpRequest
   * (fetch has no upload progress). A 401 goes through the same
   * sign-in-again flow as every other call, then uploads again (`form()` builds a fresh body).
   */
  protected upload<T>(path: string, form: () => FormData, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<T> {
    const run = async (attempt: number): Promise<T> => {
      const res = await this.sendXhr(this.url(path), form(), onProgress, signal);
      if (res.status === 401 && this.onUnauthorized && attempt < this.maxReauth) {
        await this.onUnauthorized();
        return run(attempt + 1);
      }
      const parsed = parseJson(res.text);
      if (res.status < 200 || res.status >= 300) {
        const detail =
          parsed !== null && typeof parsed === "object" && "detail" in parsed ? parsed.detail : (parsed ?? res.text);
        throw new ApiError(res.status, detail);
      }
      return parsed as T;
    };
    return run(0);
  }

  private sendXhr(
    url: string,
    form: FormData,
    onProgress: (p: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const xhr = this.xhrFactory();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      const token = this.getToken();
      if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : 0 });
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = () => reject(new NetworkError(new Error("upload failed")));
      xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
      signal?.addEventListener("abort", () => xhr.abort());
      xhr.send(form);
    });
  }
}

/** The file name from a Content-Disposition header, if any. */
export function filenameOf(res: Response): string | null {
  const cd = res.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(cd);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ""));
    } catch {
      // fall through
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain?.[1]?.trim() ?? null;
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

async function readDetail(res: Response): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    return undefined;
  }
  if (text === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && "detail" in parsed) return parsed.detail;
    return parsed;
  } catch {
    return text.length > 200 ? text.slice(0, 200) + "…" : text;
  }
}
