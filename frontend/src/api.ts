/**
 * Typed client for the segloop REST API (base `/api/v1`).
 *
 * Every call except login sends `Authorization: Bearer <token>`. On a 401 the
 * client asks `onUnauthorized` to get a fresh token (the app shows the login
 * form and keeps its state) and then retries the same request once more, so
 * callers simply see their promise resolve after the user signed in again.
 */

export const API_BASE = "/api/v1";
export const IGNORE_INDEX = 255;

export type Role = "admin" | "annotator";

export interface User {
  id: number;
  email: string;
  role: Role;
}

export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
}

export interface ProjectClass {
  id: number;
  name: string;
  /** "#rrggbb" */
  colour: string;
}

export const SELECTION_METHODS = [
  "ppl",
  "spl",
  "random",
  "entropy",
  "margin",
  "ripu_region",
  "ripu_pixel",
] as const;
export type SelectionMethod = (typeof SELECTION_METHODS)[number];

export const OBJECTIVES = ["none", "dacs", "proda", "daso"] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface ProjectCreate {
  name: string;
  classes: ProjectClass[];
  selection_method: SelectionMethod;
  objective: Objective;
  points_per_image: number;
  pixel_budget: number;
  images_per_round: number;
}

export interface Project extends ProjectCreate {
  id: number;
  ignore_index: number;
  created_at: string;
}

export type RoundStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface RoundMetrics {
  miou: number;
  per_class_iou: Record<string, number | null>;
  labelled_pixels: number;
  labelled_fraction: number;
}

export interface Round {
  id: number;
  project_id: number;
  number: number;
  status: RoundStatus;
  stage: string;
  /** 0..1 within the whole round */
  progress: number;
  message: string | null;
  metrics: RoundMetrics | null;
  error: string | null;
  task_count: number;
  tasks_done: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export type TaskKind = "points" | "region";
export type TaskStatus = "pending" | "leased" | "done" | "skipped";

export interface Point {
  x: number;
  y: number;
}

export interface Task {
  id: number;
  project_id: number;
  round_id: number;
  image_id: number;
  kind: TaskKind;
  points: Point[];
  width: number;
  height: number;
  status: TaskStatus;
  lease_expires_at: string | null;
  image_url: string;
  mask_url: string | null;
}

export interface PixelLabel {
  x: number;
  y: number;
  class_id: number;
}

export interface SubmitBody {
  labels: PixelLabel[];
  seconds_spent: number;
  client_key: string;
}

export interface SubmitResult {
  id: number;
  task_id: number;
  labelled_pixels: number;
}

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
}

interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: Record<string, string>;
  auth?: boolean;
}

export class ApiClient {
  private readonly getToken: () => string | null;
  private readonly onUnauthorized: (() => Promise<void>) | undefined;
  private readonly fetchFn: FetchLike;
  private readonly baseUrl: string;
  private readonly maxReauth: number;

  constructor(options: ApiClientOptions) {
    this.getToken = options.getToken;
    this.onUnauthorized = options.onUnauthorized;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.baseUrl = options.baseUrl ?? API_BASE;
    this.maxReauth = options.maxReauth ?? 3;
  }

  /** Absolute-path URL for an API path; accepts "/projects" or a full "/api/v1/..." URL. */
  url(path: string): string {
    if (/^https?:\/\//.test(path) || path.startsWith(this.baseUrl + "/")) return path;
    return this.baseUrl + (path.startsWith("/") ? path : "/" + path);
  }

  private async request(path: string, opts: RequestOptions = {}): Promise<Response> {
    const auth = opts.auth ?? true;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: "application/json" };
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
        res = await this.fetchFn(this.url(path), {
          method: opts.method ?? "GET",
          headers,
          body: body ?? null,
        });
      } catch (err) {
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

  private async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(path, opts);
    return (await res.json()) as T;
  }

  // --- auth -----------------------------------------------------------------

  login(email: string, password: string): Promise<TokenResponse> {
    return this.json<TokenResponse>("/login/access-token", {
      method: "POST",
      form: { username: email, password },
      auth: false,
    });
  }

  me(): Promise<User> {
    return this.json<User>("/users/me");
  }

  // --- projects -------------------------------------------------------------

  listProjects(): Promise<Project[]> {
    return this.json<Project[]>("/projects");
  }

  getProject(id: number): Promise<Project> {
    return this.json<Project>(`/projects/${id}`);
  }

  createProject(body: ProjectCreate): Promise<Project> {
    return this.json<Project>("/projects", { method: "POST", json: body });
  }

  // --- rounds ---------------------------------------------------------------

  launchRound(projectId: number): Promise<Round> {
    return this.json<Round>(`/projects/${projectId}/rounds`, { method: "POST" });
  }

  listRounds(projectId: number): Promise<Round[]> {
    return this.json<Round[]>(`/projects/${projectId}/rounds`);
  }

  getRound(id: number): Promise<Round> {
    return this.json<Round>(`/rounds/${id}`);
  }

  roundMetrics(id: number): Promise<RoundMetrics> {
    return this.json<RoundMetrics>(`/rounds/${id}/metrics`);
  }

  // --- tasks ----------------------------------------------------------------

  /** Leases the next task of a project to the caller; null when none is left (204). */
  async nextTask(projectId: number): Promise<Task | null> {
    const res = await this.request(`/projects/${projectId}/tasks/next`, { method: "POST" });
    if (res.status === 204) return null;
    const text = await res.text();
    return text.trim() === "" ? null : (JSON.parse(text) as Task);
  }

  getTask(id: number): Promise<Task> {
    return this.json<Task>(`/tasks/${id}`);
  }

  submitTask(id: number, body: SubmitBody): Promise<SubmitResult> {
    return this.json<SubmitResult>(`/tasks/${id}/submit`, { method: "POST", json: body });
  }

  /** Fetches an authenticated file (image, mask) as a Blob. */
  async fetchBlob(path: string): Promise<Blob> {
    const res = await this.request(path);
    return res.blob();
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
