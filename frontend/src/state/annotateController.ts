/**
 * The annotate screen's work: leasing and opening tasks, autosaving drafts,
 * submitting, skipping, reopening submissions for correction, editing calls
 * (what each key and button does: annotateActions.ts). Owns the store the screen renders (annotateStore.ts),
 * the canvas stage, the stopwatch and the autosaver; components call its
 * methods and render `store`. Browser services come in through `AnnotateEnv`
 * (replaced in the unit tests).
 */

import { ApiError, errorText, type ApiClient, type Project, type Task } from "../api";
import { AnnotationStage } from "../canvas/annotationStage";
import type { RegionEditor } from "../canvas/regionEditor";
import type { StrokeHandlers } from "../canvas/viewRenderer";
import { AutoSaver, type CurrentTaskStore, type SubmittedCache } from "../domain/draft";
import { formatInt } from "../domain/format";
import { assignLetter, type ClassLetterStore, type KeyAction } from "../domain/keys";
import { ClientKeys, withRetry, type RetryOptions } from "../domain/submission";
import { Stopwatch } from "../domain/timer";
import { buildSubmission, createSession } from "./annotationSession";
import { onKeyDown, runAction } from "./annotateActions";
import { createAnnotateStore, isTransient, pickPrevious, submitBlocker, submitFailure, type AnnotateState, type Tone } from "./annotateStore";
import { disposeTask, loadPrediction, loadTask, type LoadedTask } from "./taskLoader";

export type AnnotateApi = Pick<ApiClient, "nextTask" | "getTask" | "submitTask" | "saveDraft" | "skipTask" | "submittedTasks" | "fetchBlob">;

/** What the screen works with; `update` hands in the latest on every render. */
export interface AnnotateContext {
  api: AnnotateApi;
  userId: number;
  projectId: number | null;
  /** The project of `projectId` once loaded. */
  project: Project | null;
  currentTasks: Pick<CurrentTaskStore, "get" | "set" | "clear">;
  submitted: Pick<SubmittedCache, "get" | "put">;
  letterStore: Pick<ClassLetterStore, "load" | "save">;
  /** The sign-in-again dialog is up: keys and the stopwatch pause. */
  loginOpen: boolean;
}

export interface AnnotateEnv {
  loadTask: (api: AnnotateApi, task: Task) => Promise<LoadedTask>;
  loadPrediction: (api: AnnotateApi, task: Task) => Promise<Uint8Array | null>;
  disposeTask: (loaded: LoadedTask | null) => void;
  confirm: (message: string) => boolean;
  /** Takes keyboard focus off whatever had it (the annotation keys go to the page). */
  blur: () => void;
  pageHidden: () => boolean;
  /** How a submission is retried. */
  retry: RetryOptions;
  autosaveDelayMs: number;
}

export const browserEnv: AnnotateEnv = {
  loadTask,
  loadPrediction,
  disposeTask,
  confirm: (message) => window.confirm(message),
  blur: () => (document.activeElement as HTMLElement | null)?.blur(),
  pageHidden: () => document.hidden,
  retry: { shouldRetry: isTransient },
  autosaveDelayMs: 1000,
};

export class AnnotateController {
  readonly store = createAnnotateStore();
  readonly stage = new AnnotationStage(
    () => this.state.session,
    () => this.state.autoZoom,
  );
  private readonly stopwatch = new Stopwatch();
  private clientKeys = new ClientKeys();
  private saver: AutoSaver | null = null;
  private prediction: { taskId: number; data: Uint8Array | null } | null = null;
  private resumedFor: number | null = null;

  constructor(
    private ctx: AnnotateContext,
    private readonly env: AnnotateEnv = browserEnv,
  ) {}

  update(ctx: AnnotateContext): void {
    this.ctx = ctx;
  }

  get state(): AnnotateState {
    return this.store.getState();
  }

  notice(text: string, tone: Tone = "ok"): void {
    this.store.dispatch({ type: "notice", text, tone });
  }

  /** Seconds spent on the open task (the toolbar's timer). */
  elapsedSeconds(): number {
    return this.stopwatch.elapsedSeconds();
  }

  /** The latest context (see `update`). */
  get context(): AnnotateContext {
    return this.ctx;
  }

  /** The project's class ids, in palette order. */
  classIds(ctx = this.ctx): number[] {
    return (ctx.project?.classes ?? []).map((c) => c.id);
  }

  // --- tasks -------------------------------------------------------------------------

  /** Leaves the open task: the last draft saved (with `flush`), the image released. */
  async endSession(options: { flush: boolean }): Promise<void> {
    const saver = this.saver;
    this.saver = null;
    if (saver) {
      if (options.flush) await saver.flush();
      saver.dispose();
    }
    const old = this.state.session;
    this.store.dispatch({ type: "closed" });
    this.env.disposeTask(old?.loaded ?? null);
    this.prediction = null;
  }

  private async open(ctx: AnnotateContext, task: Task, correction: boolean): Promise<void> {
    const { api, project, userId } = ctx;
    if (!project) return;
    const loaded = await this.env.loadTask(api, task);
    const draft = correction ? ctx.submitted.get(userId, task.id) : task.draft;
    const s = await createSession(loaded, project.classes, correction, draft);
    this.stopwatch.reset(s.secondsSpent * 1000);
    this.clientKeys = new ClientKeys();
    if (!correction) {
      const autosave = new AutoSaver(() => s.editor.draft(this.stopwatch.elapsedSeconds()), {
        save: (body, o) => api.saveDraft(task.id, body, o),
        delayMs: this.env.autosaveDelayMs,
        busy: () => s.editor.kind === "region" && s.editor.painting,
        onState: (state, err) => {
          this.store.dispatch({ type: "save-state", state });
          if (err instanceof ApiError && err.status === 409) {
            this.store.dispatch({ type: "failed", message: `Your lease on this task ended: ${err.message}`, retry: "next" });
          }
        },
      });
      this.saver = autosave;
      s.editor.subscribe((change) => {
        if (change === "labels") autosave.changed();
      });
    }
    ctx.currentTasks.set(userId, project.id, { taskId: task.id, correction });
    this.store.dispatch({ type: "opened", session: s });
    this.env.blur();
  }

  /** Leases the project's next task (the caller's own lease first) and opens it. */
  async loadNext(ctx = this.ctx): Promise<void> {
    const { api, projectId, project, userId } = ctx;
    if (projectId === null || !project) return;
    const previousId = this.state.session?.loaded.task.id ?? null;
    this.store.dispatch({ type: "loading" });
    await this.endSession({ flush: true });
    try {
      const task = await api.nextTask(projectId);
      if (!task) {
        ctx.currentTasks.clear(userId, projectId);
        this.store.dispatch({ type: "empty" });
        return;
      }
      await this.open(ctx, task, false);
      if (previousId !== null && previousId === task.id) this.notice("You still hold this task: submit or skip it first.", "warn");
    } catch (err) {
      this.store.dispatch({ type: "failed", message: errorText(err), retry: "next" });
    }
  }

  /**
   * Once per project: resumes what this browser was doing there (a reload, a new
   * tab). The server hands back the caller's own lease with its draft; a
   * correction is reopened by id while that task is still done.
   */
  async resume(): Promise<void> {
    const ctx = this.ctx;
    const { projectId, project } = ctx;
    if (projectId === null || !project || this.resumedFor === projectId) return;
    this.resumedFor = projectId;
    const mark = ctx.currentTasks.get(ctx.userId, projectId);
    if (!mark) return;
    if (mark.correction) {
      try {
        const task = await ctx.api.getTask(mark.taskId);
        if (task.status === "done") {
          this.store.dispatch({ type: "loading" });
          await this.open(ctx, task, true);
          return;
        }
      } catch {
        // gone: fall through to the queue
      }
    }
    const before = mark.taskId;
    await this.loadNext(ctx);
    const now = this.state.session?.loaded.task.id;
    if (!mark.correction && now !== undefined && now !== before) {
      this.notice("Your lease on the previous task expired; here is a new one.", "warn");
    }
  }

  /** Submits the open task (`force`: with requested pixels left), then loads the next one. */
  async submit(force: boolean): Promise<void> {
    const ctx = this.ctx;
    const s = this.state.session;
    if (!s || this.state.phase.kind === "submitting") return;
    const blocked = force ? null : submitBlocker(s.editor);
    if (blocked !== null) {
      this.notice(blocked, "warn");
      return;
    }
    this.store.dispatch({ type: "submitting" });
    try {
      const taskId = s.loaded.task.id;
      const { body, cache } = await buildSubmission(s, this.stopwatch.elapsedSeconds());
      const clientKey = this.clientKeys.keyFor(taskId, body.region_png ?? body.labels);
      const res = await withRetry(() => ctx.api.submitTask(taskId, { ...body, client_key: clientKey }), this.env.retry);
      this.clientKeys.done();
      ctx.submitted.put(ctx.userId, taskId, cache);
      this.saver?.dispose();
      this.saver = null;
      this.store.dispatch({ type: "submitted", taskId, correction: s.correction, labelledPixels: res.labelled_pixels });
      await this.loadNext(ctx);
    } catch (err) {
      this.store.dispatch({ type: "failed", ...submitFailure(err, errorText(err)) });
    }
  }

  /** The Submit button: a region task with pixels left asks first. */
  submitClicked(): void {
    const editor = this.state.session?.editor;
    if (editor?.kind === "region" && !editor.complete) {
      if (this.env.confirm(`${formatInt(editor.unlabelled)} requested pixels are unlabelled. Submit anyway?`)) void this.submit(true);
      return;
    }
    void this.submit(false);
  }

  /** Gives the open task back (asking first when labels would be lost) and loads the next one. */
  async skip(): Promise<void> {
    const ctx = this.ctx;
    const s = this.state.session;
    if (!s || s.correction) return;
    const labelled = s.editor.kind === "points" ? s.editor.done : s.editor.raster.labelledCount;
    if (labelled > 0 && !this.env.confirm("Skip this task? Its labels are dropped and it goes to someone else.")) return;
    try {
      this.saver?.dispose();
      this.saver = null;
      await ctx.api.skipTask(s.loaded.task.id, this.stopwatch.elapsedSeconds());
      this.notice(`Task ${s.loaded.task.id} skipped.`);
      await this.loadNext(ctx);
    } catch (err) {
      this.store.dispatch({ type: "failed", message: `Skip failed: ${errorText(err)}`, retry: "next" });
    }
  }

  /** Reopens the caller's submission before the open one, for correction. */
  async previous(): Promise<void> {
    const ctx = this.ctx;
    if (ctx.projectId === null) return;
    const s = this.state.session;
    try {
      await this.saver?.flush();
      const list = await ctx.api.submittedTasks(ctx.projectId, 50);
      const pick = pickPrevious(list, s ? { taskId: s.loaded.task.id, correction: s.correction } : null);
      if ("notice" in pick) {
        this.notice(pick.notice, "warn");
        return;
      }
      this.store.dispatch({ type: "loading" });
      await this.endSession({ flush: true });
      await this.open(ctx, pick.task, true);
    } catch (err) {
      this.store.dispatch({ type: "failed", message: errorText(err), retry: "next" });
    }
  }

  // --- editing -------------------------------------------------------------------------

  /** Region mode: labels unlabelled requested pixels with the model's prediction. */
  async prefill(): Promise<void> {
    const ctx = this.ctx;
    const s = this.state.session;
    if (!s || s.editor.kind !== "region") return;
    const editor = s.editor;
    try {
      let cached = this.prediction;
      if (cached?.taskId !== s.loaded.task.id) {
        cached = { taskId: s.loaded.task.id, data: await this.env.loadPrediction(ctx.api, s.loaded.task) };
        this.prediction = cached;
      }
      if (!cached.data) {
        this.notice("This task has no model prediction.", "warn");
        return;
      }
      const n = editor.prefill(cached.data, new Set(this.classIds(ctx)));
      this.notice(n > 0 ? `Pre-filled ${formatInt(n)} pixels from the model — check and correct them.` : "Nothing left to pre-fill.");
    } catch (err) {
      this.notice(`Could not load the prediction: ${errorText(err)}`, "warn");
    }
  }

  jumpToUnlabelled(): void {
    const s = this.state.session;
    if (!s || s.editor.kind !== "region") return;
    if (!this.stage.jumpToUnlabelled(s.editor)) this.notice("Every requested pixel is labelled.");
  }

  /** The project's class letters, from this browser's storage. */
  loadLetters(project: Project): void {
    this.store.dispatch({ type: "letters", letters: this.ctx.letterStore.load(project.id, project.classes) });
  }

  /** Gives class `classId` the letter; returns why not, or null. */
  setLetter(classId: number, letter: string): string | null {
    const { project, letterStore } = this.ctx;
    if (!project) return null;
    const r = assignLetter(this.state.letters, classId, letter);
    if (!r.ok) return r.error;
    this.store.dispatch({ type: "letters", letters: r.letters });
    letterStore.save(project.id, r.letters);
    return null;
  }

  /** A class picked (key or palette): labels the current point, or becomes the brush's class. */
  pickClass(classId: number): void {
    const s = this.state.session;
    if (!s) return;
    if (s.editor.kind === "points") s.editor.label(classId);
    else s.editor.setActiveClass(classId);
  }

  /** Region mode drags on the view, while the task is ready. */
  stroke(editor: RegionEditor): StrokeHandlers {
    return this.stage.stroke(
      editor,
      () => this.state.phase.kind === "ready",
      () => this.notice("Click inside a highlighted segment to fill it.", "warn"),
    );
  }

  /** Runs an editing or view action (keys, buttons); false when it does not apply here. */
  handleAction(action: KeyAction): boolean {
    return runAction(this, action);
  }

  /** The screen's keydown listener (on window). */
  readonly onKey = (e: KeyboardEvent): void => onKeyDown(this, e);

  // --- page life ---------------------------------------------------------------------

  /** The stopwatch runs while a task is on screen, the page is visible and no sign-in dialog is up. */
  syncStopwatch(): void {
    if (this.state.phase.kind === "ready" && !this.ctx.loginOpen && !this.env.pageHidden()) this.stopwatch.start();
    else this.stopwatch.pause();
  }

  /** Lease heartbeat: an autosave, which also renews the lease. */
  heartbeat(): void {
    this.saver?.changed();
  }

  /** The page is being hidden or left: save now (keepalive lets the request outlive the page). */
  flushKeepalive(): void {
    void this.saver?.flush({ keepalive: true });
  }

  /** The screen goes away: the last save finishes, the image is released. */
  dispose(): void {
    const saver = this.saver;
    if (saver) void saver.flush().then(() => saver.dispose());
    this.env.disposeTask(this.state.session?.loaded ?? null);
  }
}
