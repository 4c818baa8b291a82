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
  is_active?: boolean;
}

export interface UserCreate {
  email: string;
  password: string;
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
  "ppl_spread",
  "spl",
  "random",
  "random_mask",
  "random_segments",
  "entropy",
  "margin",
  "ripu_region",
  "ripu_pixel",
] as const;
export type SelectionMethod = (typeof SELECTION_METHODS)[number];

export const OBJECTIVES = ["none", "dacs", "proda", "daso"] as const;
export type Objective = (typeof OBJECTIVES)[number];

export const BACKBONES = [
  "efficientnet_lite0",
  "efficientnet_lite1",
  "efficientnet_lite2",
  "mobilenet_v3_small",
  "mobilenet_v3_large",
  "resnet18",
  "resnet50",
  "resnet101",
] as const;
export type Backbone = (typeof BACKBONES)[number];
export const OPTIMIZERS = ["adamw", "sgd"] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];
export const SELECTOR_TRAINING = ["heads", "all"] as const;
export type SelectorTraining = (typeof SELECTOR_TRAINING)[number];

/** The model's training settings (server defaults fill anything left out). */
export interface ModelSettings {
  backbone: Backbone;
  pretrained: boolean;
  /** EfficientNet-Lite only: 8 or 16 */
  output_stride: number;
  optimizer: Optimizer;
  iterations: number;
  finetune_iterations: number;
  selector_iterations: number;
  selector_training: SelectorTraining;
  batch_size: number;
  lr: number;
  /** [height, width] */
  image_size: [number, number];
  adversarial_weight: number;
  checkpoint_every: number;
  seed: number;
}

export interface ProjectCreate {
  name: string;
  classes: ProjectClass[];
  selection_method: SelectionMethod;
  objective: Objective;
  points_per_image: number;
  pixel_budget: number;
  images_per_round: number;
  objective_config?: Record<string, unknown>;
  model_settings?: Partial<ModelSettings>;
}

export interface Project extends ProjectCreate {
  id: number;
  ignore_index: number;
  objective_config: Record<string, unknown>;
  model_settings: Partial<ModelSettings> & Record<string, unknown>;
  /** Launch the next round once this share of tasks is labelled (null: off). */
  auto_advance_fraction?: number | null;
  /** Launch the next round this long after the last one ended (null: off). */
  schedule_minutes?: number | null;
  max_rounds?: number | null;
  created_at: string;
}

/** PATCH /projects/{id}: only the fields that change. */
export interface ProjectUpdate {
  selection_method?: SelectionMethod;
  objective?: Objective;
  objective_config?: Record<string, unknown>;
  points_per_image?: number;
  pixel_budget?: number;
  images_per_round?: number;
  model_settings?: ModelSettings;
  auto_advance_fraction?: number | null;
  schedule_minutes?: number | null;
  max_rounds?: number | null;
}

export const DATASET_FORMATS = ["generic", "palette", "cityscapes", "gta5", "camvid", "coco", "labelstudio"] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const DATASET_KINDS = ["source", "target_pool", "target_val"] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export interface Dataset {
  id: number;
  project_id: number;
  name: string;
  kind: DatasetKind;
  image_count: number;
  /** "ready", "importing" (background import; report.progress 0..1) or "failed". */
  status?: string;
  report?: Record<string, unknown> | null;
  created_at: string;
}

export interface ExportRequest {
  what: "labels" | "predictions" | "model";
  format?: DatasetFormat;
  round_id?: number | null;
  cumulative?: boolean;
  include_images?: boolean;
}

export interface ExportJob {
  id: string;
  what: string;
  format: string;
  status: "queued" | "running" | "done" | "failed";
  progress: number;
  error: string | null;
  download_url: string | null;
}

/** What POST /exports gives back: the file itself (labels) or a job to poll (predictions, model). */
export type ExportResult = { kind: "file"; blob: Blob; filename: string } | { kind: "job"; job: ExportJob };

export interface ImageInfo {
  id: number;
  dataset_id: number;
  name: string;
  width: number;
  height: number;
  has_label: boolean;
}

export interface AnnotatorStat {
  user_id: number;
  email: string;
  submissions: number;
  labelled_pixels: number;
  seconds: number;
  seconds_per_label: number | null;
}

export type RoundStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface RoundMetrics {
  /** null when the project has no target validation set */
  miou: number | null;
  per_class_iou: Record<string, number | null>;
  labelled_pixels: number;
  labelled_fraction: number;
  pixel_accuracy?: number;
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
  image_name: string;
  kind: TaskKind;
  points: Point[];
  width: number;
  height: number;
  status: TaskStatus;
  lease_expires_at: string | null;
  /** Points (point tasks) or mask pixels (region tasks) asked for. */
  requested_pixels: number;
  /** Bumped on every lease, skip and submit; send it back as expected_version. */
  version: number;
  /** The autosaved work in progress (PUT /tasks/{id}/draft), as sent. */
  draft: Record<string, unknown> | null;
  image_url: string;
  mask_url: string | null;
  prediction_url: string | null;
}

export interface PixelLabel {
  x: number;
  y: number;
  class_id: number;
}

export interface SubmitBody {
  labels: PixelLabel[];
  /** Base64 one-channel PNG of the image size: class id per pixel, 255 unlabelled. */
  region_png?: string | null;
  seconds_spent: number;
  client_key: string;
  expected_version?: number | null;
}

export interface DraftBody {
  labels: PixelLabel[];
  region_png?: string | null;
  seconds_spent: number;
  current_point: number;
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
  xhr?: () => XhrLike;
}

interface RequestOptions {
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

export class ApiClient {
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

  private async request(path: string, opts: RequestOptions = {}): Promise<Response> {
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

  updateProject(id: number, body: ProjectUpdate): Promise<Project> {
    return this.json<Project>(`/projects/${id}`, { method: "PATCH", json: body });
  }

  listMembers(projectId: number): Promise<User[]> {
    return this.json<User[]>(`/projects/${projectId}/members`);
  }

  addMember(projectId: number, userId: number): Promise<User> {
    return this.json<User>(`/projects/${projectId}/members`, { method: "POST", json: { user_id: userId } });
  }

  // --- users ------------------------------------------------------------------

  listUsers(): Promise<User[]> {
    return this.json<User[]>("/users");
  }

  createUser(body: UserCreate): Promise<User> {
    return this.json<User>("/users", { method: "POST", json: body });
  }

  // --- datasets ---------------------------------------------------------------

  listDatasets(projectId: number): Promise<Dataset[]> {
    return this.json<Dataset[]>(`/projects/${projectId}/datasets`);
  }

  getDataset(id: number): Promise<Dataset> {
    return this.json<Dataset>(`/datasets/${id}`);
  }

  importFolder(
    projectId: number,
    body: { kind: DatasetKind; path: string; name?: string; format?: DatasetFormat; background?: boolean },
  ): Promise<Dataset> {
    return this.json<Dataset>(`/projects/${projectId}/datasets/import-folder`, { method: "POST", json: body });
  }

  listImages(datasetId: number, offset: number, limit: number): Promise<ImageInfo[]> {
    return this.json<ImageInfo[]>(`/datasets/${datasetId}/images?offset=${offset}&limit=${limit}`);
  }

  /**
   * Uploads a dataset zip (multipart) with progress events, through
   * XMLHttpRequest (fetch has no upload progress). A 401 goes through the
   * same sign-in-again flow as every other call, then uploads again.
   */
  uploadDataset(
    projectId: number,
    fields: { file: Blob; fileName: string; kind: DatasetKind; name?: string; format?: DatasetFormat },
    onProgress: (p: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<Dataset> {
    const run = async (attempt: number): Promise<Dataset> => {
      const form = new FormData();
      form.append("file", fields.file, fields.fileName);
      form.append("kind", fields.kind);
      if (fields.name) form.append("name", fields.name);
      if (fields.format) form.append("format", fields.format);
      const res = await this.sendXhr(this.url(`/projects/${projectId}/datasets/upload`), form, onProgress, signal);
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
      return parsed as Dataset;
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

  imageFileUrl(imageId: number): string {
    return this.url(`/images/${imageId}/file`);
  }

  imageLabelUrl(imageId: number): string {
    return this.url(`/images/${imageId}/label.png`);
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

  cancelRound(id: number): Promise<Round> {
    return this.json<Round>(`/rounds/${id}/cancel`, { method: "POST" });
  }

  retryRound(id: number): Promise<Round> {
    return this.json<Round>(`/rounds/${id}/retry`, { method: "POST" });
  }

  /** The rounds event stream (text/event-stream); read it with readEventStream. */
  roundEvents(projectId: number, signal: AbortSignal): Promise<Response> {
    return this.request(`/projects/${projectId}/rounds/events`, { accept: "text/event-stream", signal });
  }

  /** Labels come back as a zip at once; predictions and models as a job to poll. */
  async createExport(projectId: number, body: ExportRequest): Promise<ExportResult> {
    const res = await this.request(`/projects/${projectId}/exports`, {
      method: "POST",
      json: body,
      accept: "application/zip, application/json",
    });
    if (res.status === 202) return { kind: "job", job: (await res.json()) as ExportJob };
    return { kind: "file", blob: await res.blob(), filename: filenameOf(res) ?? `project-${projectId}-${body.what}.zip` };
  }

  getExport(projectId: number, jobId: string): Promise<ExportJob> {
    return this.json<ExportJob>(`/projects/${projectId}/exports/${jobId}`);
  }

  async download(path: string): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.request(path, { accept: "*/*" });
    return { blob: await res.blob(), filename: filenameOf(res) };
  }

  annotatorStats(projectId: number): Promise<AnnotatorStat[]> {
    return this.json<AnnotatorStat[]>(`/projects/${projectId}/annotator-stats`);
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

  async saveDraft(id: number, body: DraftBody, options: { keepalive?: boolean } = {}): Promise<void> {
    await this.request(`/tasks/${id}/draft`, { method: "PUT", json: body, keepalive: options.keepalive ?? false });
  }

  async skipTask(id: number): Promise<void> {
    await this.request(`/tasks/${id}/skip`, { method: "POST" });
  }

  /** The caller's submitted tasks of a project, newest first. */
  submittedTasks(projectId: number, limit = 20): Promise<Task[]> {
    return this.json<Task[]>(`/projects/${projectId}/tasks/submitted?limit=${limit}`);
  }

  /** Fetches an authenticated file (image, mask) as a Blob. */
  async fetchBlob(path: string): Promise<Blob> {
    const res = await this.request(path);
    return res.blob();
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
