/**
 * Typed client for the segloop REST API: one method per endpoint, on top of
 * HttpClient (http.ts: auth, the sign-in-again retry, uploads, errors).
 *
 * The calls are written by hand (the 401 retry, XHR upload progress, 204s and
 * file downloads are this client's own); their bodies are the schema's types.
 */

import { filenameOf, HttpClient, type UploadProgress } from "./http";
import type {
  AnnotatorStat,
  CurrentModel,
  Dataset,
  DatasetFormat,
  DatasetKind,
  DraftBody,
  ExportJob,
  ExportRequest,
  ExportResult,
  FolderImport,
  ImageInfo,
  Ledger,
  Project,
  ProjectCreate,
  ProjectUpdate,
  Round,
  RoundMetrics,
  Schemas,
  SkipBody,
  SubmitBody,
  SubmitResult,
  Task,
  TokenResponse,
  User,
  UserCreate,
} from "./types";

export class ApiClient extends HttpClient {
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

  /** Uploads a dataset zip (multipart) with progress events; see HttpClient.upload. */
  uploadDataset(
    projectId: number,
    fields: { file: Blob; fileName: string; kind: DatasetKind; name?: string; format?: DatasetFormat },
    onProgress: (p: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<Dataset> {
    const form = (): FormData => {
      const f = new FormData();
      f.append("file", fields.file, fields.fileName);
      f.append("kind", fields.kind);
      if (fields.name) f.append("name", fields.name);
      if (fields.format) f.append("format", fields.format);
      return f;
    };
    return this.upload<Dataset>(`/projects/${projectId}/datasets/upload`, form, onProgress, signal);
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

  // --- the served model, the ledger -----------------------------------------

  /** The round whose model the project serves, and why. */
  currentModel(projectId: number): Promise<CurrentModel> {
    return this.json<CurrentModel>(`/projects/${projectId}/current-model`);
  }

  pinRound(projectId: number, roundId: number): Promise<CurrentModel> {
    const body: Schemas["PinRequest"] = { round_id: roundId };
    return this.json<CurrentModel>(`/projects/${projectId}/pinned-round`, { method: "PUT", json: body });
  }

  unpinRound(projectId: number): Promise<CurrentModel> {
    return this.json<CurrentModel>(`/projects/${projectId}/pinned-round`, { method: "DELETE" });
  }

  ledger(projectId: number): Promise<Ledger> {
    return this.json<Ledger>(`/projects/${projectId}/ledger`);
  }

  /** The ledger's rows as CSV (a file to save). */
  ledgerCsv(projectId: number): Promise<{ blob: Blob; filename: string | null }> {
    return this.download(`/projects/${projectId}/ledger?format=csv`);
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

  /** Gives the task back; the seconds spent on it count in the ledger like a submission's. */
  async skipTask(id: number, secondsSpent: number): Promise<void> {
    const body: SkipBody = { seconds_spent: secondsSpent };
    await this.request(`/tasks/${id}/skip`, { method: "POST", json: body });
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
