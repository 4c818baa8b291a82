/**
 * Typed client for the segloop REST API (base `/api/v1`).
 *
 * Every call except login sends `Authorization: Bearer <token>`. On a 401 the
 * client asks `onUnauthorized` to get a fresh token (the app shows the login
 * form and keeps its state) and then retries the same request once more, so
 * callers simply see their promise resolve after the user signed in again.
 *
 * The calls are written by hand (the 401 retry, XHR upload progress, 204s and
 * file downloads are this client's own); their bodies are the schema's types.
 */

import { ApiError, NetworkError } from "./errors";
import type {
  AnnotatorStat,
  Dataset,
  DatasetFormat,
  DatasetKind,
  DraftBody,
  ExportJob,
  ExportRequest,
  ExportResult,
  FolderImport,
  ImageInfo,
  Project,
  ProjectCreate,
  ProjectUpdate,
  Round,
  RoundMetrics,
  Schemas,
  SubmitBody,
  SubmitResult,
  Task,
  TokenResponse,
  User,
  UserCreate,
} from "./types";

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
    const body: Schemas["MemberAdd"] = { user_id: userId };
    return this.json<User>(`/projects/${projectId}/members`, { method: "POST", json: body });
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
    body: FolderImport,
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
