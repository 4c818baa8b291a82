import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, type DraftBody, type Project, type SubmitBody, type SubmitResult, type Task } from "../api";
import type { PointEditor } from "../canvas/pointEditor";
import { CurrentTaskStore, SubmittedCache } from "../domain/draft";
import { ClassLetterStore } from "../domain/keys";
import type { KeyValueStorage } from "../domain/storage";
import { AnnotateController, type AnnotateApi, type AnnotateContext, type AnnotateEnv } from "./annotateController";
import { isTransient } from "./annotateStore";

function memoryStorage(): KeyValueStorage {
  const data = new Map<string, string>();
  return {
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

function task(id: number, over: Partial<Task> = {}): Task {
  return {
    id,
    project_id: 1,
    round_id: 1,
    image_id: id,
    image_name: `img-${id}.png`,
    kind: "points",
    points: [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
    ],
    width: 4,
    height: 4,
    status: "leased",
    lease_expires_at: null,
    requested_pixels: 0,
    version: 3,
    draft: null,
    image_url: `/images/${id}/file`,
    mask_url: null,
    prediction_url: null,
    ...over,
  };
}

const project = {
  id: 1,
  name: "Streets",
  classes: [
    { id: 0, name: "road", colour: "#804080" },
    { id: 1, name: "sky", colour: "#4682b4" },
  ],
} as unknown as Project;

/** A fake server: a queue of tasks to lease, and every call recorded. */
function fakeApi(queue: Task[]) {
  const submittedList: Task[] = [];
  const api = {
    nextTask: vi.fn((_projectId: number) => Promise.resolve(queue.shift() ?? null)),
    getTask: vi.fn((id: number) => Promise.resolve(task(id, { status: "done" }))),
    submitTask: vi.fn((id: number, body: SubmitBody): Promise<SubmitResult> => {
      submittedList.unshift(task(id, { status: "done" }));
      const res: SubmitResult = { id: 100 + id, task_id: id, labelled_pixels: body.labels.length, created_at: "" };
      return Promise.resolve(res);
    }),
    saveDraft: vi.fn((_id: number, _body: DraftBody, _o?: { keepalive?: boolean }) => Promise.resolve()),
    skipTask: vi.fn((_id: number, _secondsSpent: number) => Promise.resolve()),
    submittedTasks: vi.fn((_projectId: number, _limit?: number) => Promise.resolve([...submittedList])),
    fetchBlob: vi.fn(() => Promise.reject(new Error("no blobs in these tests"))),
  } satisfies AnnotateApi;
  return api;
}

function setup(queue: Task[], over: Partial<AnnotateContext> = {}) {
  const api = fakeApi(queue);
  const ctx: AnnotateContext = {
    api,
    userId: 5,
    projectId: 1,
    project,
    currentTasks: new CurrentTaskStore(memoryStorage()),
    submitted: new SubmittedCache(memoryStorage()),
    letterStore: new ClassLetterStore(memoryStorage()),
    loginOpen: false,
    ...over,
  };
  const env: AnnotateEnv = {
    loadTask: (_api, t) => Promise.resolve({ task: t, image: {} as ImageBitmap, mask: null }),
    loadPrediction: () => Promise.resolve(null),
    disposeTask: vi.fn(),
    confirm: vi.fn(() => true),
    blur: vi.fn(),
    pageHidden: () => false,
    retry: { shouldRetry: isTransient, sleep: () => Promise.resolve() },
    autosaveDelayMs: 1000,
  };
  const ctl = new AnnotateController(ctx, env);
  return { ctl, api, ctx, env };
}

function points(ctl: AnnotateController): PointEditor {
  const editor = ctl.state.session?.editor;
  if (editor?.kind !== "points") throw new Error("no point task open");
  return editor;
}

function labelAll(ctl: AnnotateController, classId = 0): void {
  const editor = points(ctl);
  while (!editor.complete) editor.label(classId);
}

/** A keydown as the window listener sees it (target: the page, not a field or button). */
function key(k: string, extra: Partial<KeyboardEvent> = {}): KeyboardEvent {
  const e = { key: k, code: "", defaultPrevented: false, target: { closest: () => null }, preventDefault: vi.fn(), ...extra };
  return e as unknown as KeyboardEvent;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("AnnotateController: leasing", () => {
  it("opens the next task and remembers it for a reload", async () => {
    const { ctl, ctx, env } = setup([task(7)]);
    await ctl.loadNext();
    expect(ctl.state.phase).toEqual({ kind: "ready" });
    expect(ctl.state.session?.loaded.task.id).toBe(7);
    expect(ctl.state.session?.correction).toBe(false);
    expect(ctl.state.saveState).toBe("idle");
    expect(ctx.currentTasks.get(5, 1)).toEqual({ taskId: 7, correction: false });
    expect(env.blur).toHaveBeenCalled();
  });

  it("an empty queue shows the empty stage and forgets the current task", async () => {
    const { ctl, ctx } = setup([]);
    ctx.currentTasks.set(5, 1, { taskId: 3, correction: false });
    await ctl.loadNext();
    expect(ctl.state.phase).toEqual({ kind: "empty" });
    expect(ctl.state.session).toBeNull();
    expect(ctx.currentTasks.get(5, 1)).toBeNull();
  });

  it("restores the server's draft", async () => {
    const draft = { labels: [{ x: 1, y: 1, class_id: 1 }], current_point: 1, seconds_spent: 12 };
    const { ctl } = setup([task(7, { draft })]);
    await ctl.loadNext();
    const s = ctl.state.session;
    expect(s?.restored).toBe(true);
    expect(s?.editor.kind === "points" && s.editor.done).toBe(1);
    expect(ctl.state.saveState).toBe("saved");
    expect(ctl.state.notice?.text).toBe("Your draft was restored.");
  });

  it("does nothing before the project is loaded", async () => {
    const { ctl, api } = setup([task(7)], { project: null });
    await ctl.loadNext();
    expect(api.nextTask).not.toHaveBeenCalled();
    expect(ctl.state.phase.kind).toBe("idle");
  });

  it("says so when the server hands back the task still held", async () => {
    const { ctl } = setup([task(7), task(7)]);
    await ctl.loadNext();
    await ctl.loadNext();
    expect(ctl.state.notice).toMatchObject({ text: "You still hold this task: submit or skip it first.", tone: "warn" });
  });

  it("a failed request shows the error with a way on", async () => {
    const { ctl, api } = setup([]);
    api.nextTask.mockRejectedValueOnce(new ApiError(503, "Service unavailable"));
    await ctl.loadNext();
    expect(ctl.state.phase).toMatchObject({ kind: "error", retry: "next" });
  });
});

describe("AnnotateController: submit", () => {
  it("waits for every point, then submits, remembers the labels and opens the next task", async () => {
    const { ctl, api, ctx, env } = setup([task(7), task(8)]);
    await ctl.loadNext();
    await ctl.submit(false);
    expect(api.submitTask).not.toHaveBeenCalled();
    expect(ctl.state.notice).toMatchObject({ text: "Label every point before submitting.", tone: "warn" });

    labelAll(ctl, 1);
    await ctl.submit(false);
    expect(api.submitTask).toHaveBeenCalledTimes(1);
    const [id, body] = api.submitTask.mock.calls[0] ?? [];
    expect(id).toBe(7);
    expect(body).toMatchObject({
      labels: [
        { x: 1, y: 1, class_id: 1 },
        { x: 2, y: 2, class_id: 1 },
      ],
      expected_version: 3,
    });
    expect(typeof body?.client_key).toBe("string");
    expect(ctx.submitted.get(5, 7)).toMatchObject({ labels: body?.labels });
    expect(ctl.state.submittedCount).toBe(1);
    expect(ctl.state.notice?.text).toBe("Submitted · task 7 · 2 pixels labelled");
    expect(ctl.state.session?.loaded.task.id).toBe(8);
    expect(vi.mocked(env.disposeTask).mock.calls.map(([loaded]) => loaded?.task.id)).toContain(7);
  });

  it("retries a transient failure with the same client key, then offers to retry", async () => {
    const { ctl, api } = setup([task(7)]);
    await ctl.loadNext();
    labelAll(ctl);
    api.submitTask.mockRejectedValue(new ApiError(502, "Bad gateway"));
    await ctl.submit(false);
    expect(api.submitTask).toHaveBeenCalledTimes(4);
    const keys = new Set(api.submitTask.mock.calls.map(([, b]) => b.client_key));
    expect(keys.size).toBe(1);
    expect(ctl.state.phase).toMatchObject({ kind: "error", retry: "submit" });
    expect(ctl.state.session?.loaded.task.id).toBe(7);
  });

  it("a task that is gone (409) is not retried: the way on is the next task", async () => {
    const { ctl, api } = setup([task(7)]);
    await ctl.loadNext();
    labelAll(ctl);
    api.submitTask.mockRejectedValueOnce(new ApiError(409, "Your lease expired"));
    await ctl.submit(false);
    expect(api.submitTask).toHaveBeenCalledTimes(1);
    expect(ctl.state.phase).toEqual({ kind: "error", message: "This task can no longer be submitted: Your lease expired", retry: "next" });
  });

  it("the Submit button says what is missing on a point task, without asking", async () => {
    const { ctl, env, api } = setup([task(7)]);
    await ctl.loadNext();
    ctl.submitClicked();
    expect(env.confirm).not.toHaveBeenCalled();
    expect(api.submitTask).not.toHaveBeenCalled();
    expect(ctl.state.notice?.text).toBe("Label every point before submitting.");
  });
});

describe("AnnotateController: skip and previous", () => {
  it("skip reports the seconds spent on the task, a restored draft's included", async () => {
    const draft = { labels: [], current_point: 0, seconds_spent: 12 };
    const { ctl, api } = setup([task(7, { draft }), task(8)]);
    await ctl.loadNext();
    await ctl.skip();
    const [id, seconds] = vi.mocked(api.skipTask).mock.calls[0] ?? [];
    expect(id).toBe(7);
    expect(seconds).toBeGreaterThanOrEqual(12);
    expect(seconds).toBeLessThan(13);
  });

  it("skip asks before dropping labels, gives the task back and opens the next", async () => {
    const { ctl, api, env } = setup([task(7), task(8)]);
    await ctl.loadNext();
    points(ctl).label(0);
    vi.mocked(env.confirm).mockReturnValueOnce(false);
    await ctl.skip();
    expect(api.skipTask).not.toHaveBeenCalled();
    await ctl.skip();
    expect(api.skipTask).toHaveBeenCalledWith(7, expect.any(Number));
    expect(ctl.state.session?.loaded.task.id).toBe(8);
    expect(ctl.state.notice?.text).toBe("Task 7 skipped.");
    expect(api.saveDraft).not.toHaveBeenCalled(); // the skipped task's pending draft is dropped
  });

  it("previous reopens the last submission with the labels this browser sent, then says when there is none older", async () => {
    const { ctl, api } = setup([task(7), task(8)]);
    await ctl.previous();
    expect(ctl.state.notice).toMatchObject({ text: "You have not submitted any task in this project yet.", tone: "warn" });

    await ctl.loadNext();
    labelAll(ctl, 1);
    await ctl.submit(false);
    await ctl.previous();
    const s = ctl.state.session;
    expect(s?.loaded.task.id).toBe(7);
    expect(s?.correction).toBe(true);
    expect(s?.editor.kind === "points" && s.editor.state.labels).toEqual([1, 1]);
    expect(ctl.state.notice?.text).toBe("Your submitted labels are loaded: correct them and submit.");
    expect(api.submittedTasks).toHaveBeenLastCalledWith(1, 50);

    await ctl.previous();
    expect(ctl.state.notice?.text).toBe("That was your oldest submission.");
    expect(ctl.state.session?.loaded.task.id).toBe(7);
  });

  it("a correction is not skipped and not autosaved", async () => {
    const { ctl, api } = setup([task(7)]);
    await ctl.loadNext();
    labelAll(ctl);
    await ctl.submit(false);
    await ctl.previous();
    vi.useFakeTimers();
    points(ctl).label(1);
    await vi.advanceTimersByTimeAsync(5000);
    await ctl.skip();
    expect(api.saveDraft).not.toHaveBeenCalled();
    expect(api.skipTask).not.toHaveBeenCalled();
  });
});

describe("AnnotateController: resume and autosave", () => {
  it("resumes once per project, and says when the lease on the remembered task expired", async () => {
    const { ctl, ctx, api } = setup([task(8)]);
    ctx.currentTasks.set(5, 1, { taskId: 3, correction: false });
    await ctl.resume();
    expect(ctl.state.session?.loaded.task.id).toBe(8);
    expect(ctl.state.notice).toMatchObject({ text: "Your lease on the previous task expired; here is a new one.", tone: "warn" });
    await ctl.resume();
    expect(api.nextTask).toHaveBeenCalledTimes(1);
  });

  it("reopens a remembered correction while that task is done", async () => {
    const { ctl, ctx, api } = setup([]);
    ctx.currentTasks.set(5, 1, { taskId: 4, correction: true });
    await ctl.resume();
    expect(api.getTask).toHaveBeenCalledWith(4);
    expect(ctl.state.session?.loaded.task.id).toBe(4);
    expect(ctl.state.session?.correction).toBe(true);
    expect(api.nextTask).not.toHaveBeenCalled();
  });

  it("without a remembered task, waits for the annotator", async () => {
    const { ctl, api } = setup([task(8)]);
    await ctl.resume();
    expect(api.nextTask).not.toHaveBeenCalled();
    expect(ctl.state.phase.kind).toBe("idle");
  });

  it("saves a draft a moment after a change; a 409 means the lease ended", async () => {
    const { ctl, api } = setup([task(7)]);
    await ctl.loadNext();
    vi.useFakeTimers();
    points(ctl).label(1);
    expect(ctl.state.saveState).toBe("pending");
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.saveDraft).toHaveBeenCalledTimes(1);
    expect(api.saveDraft.mock.calls[0]?.[1]).toMatchObject({ labels: [{ x: 1, y: 1, class_id: 1 }], current_point: 1 });
    expect(ctl.state.saveState).toBe("saved");

    api.saveDraft.mockRejectedValueOnce(new ApiError(409, "not your lease"));
    ctl.heartbeat();
    await vi.advanceTimersByTimeAsync(1000);
    expect(ctl.state.saveState).toBe("error");
    expect(ctl.state.phase).toEqual({ kind: "error", message: "Your lease on this task ended: not your lease", retry: "next" });
  });
});

describe("AnnotateController: keys", () => {
  it("class keys label, Enter submits, ? opens the cheat sheet which holds other keys", async () => {
    const { ctl, api } = setup([task(7), task(8)]);
    await ctl.loadNext();
    const preventDefault = vi.fn();
    ctl.onKey(key("2", { preventDefault }));
    expect(preventDefault).toHaveBeenCalled();
    expect(points(ctl).state.labels).toEqual([1, null]);

    ctl.onKey(key("?"));
    expect(ctl.state.helpOpen).toBe(true);
    ctl.onKey(key("1"));
    expect(points(ctl).done).toBe(1);
    ctl.onKey(key("Escape"));
    expect(ctl.state.helpOpen).toBe(false);

    ctl.onKey(key("1"));
    ctl.onKey(key("Enter"));
    await vi.waitFor(() => expect(ctl.state.session?.loaded.task.id).toBe(8));
    expect(api.submitTask).toHaveBeenCalledTimes(1);
  });

  it("ignores keys while signing in again, in form fields, and already handled ones", async () => {
    const { ctl, ctx } = setup([task(7)]);
    await ctl.loadNext();
    const done = () => points(ctl).done;
    ctl.onKey(key("1", { target: { closest: (sel: string) => (sel.startsWith("input") ? {} : null) } as unknown as EventTarget }));
    ctl.onKey(key("1", { defaultPrevented: true }));
    ctl.update({ ...ctx, loginOpen: true });
    ctl.onKey(key("1"));
    expect(done()).toBe(0);
  });

  it("Enter on the idle stage asks for a task", async () => {
    const { ctl } = setup([task(7)]);
    ctl.onKey(key("Enter"));
    await vi.waitFor(() => expect(ctl.state.session?.loaded.task.id).toBe(7));
  });

  it("letters: a class gets a free letter, not a reserved one", () => {
    const { ctl } = setup([]);
    ctl.loadLetters(project);
    expect(ctl.setLetter(1, "b")).not.toBeNull();
    expect(ctl.setLetter(1, "k")).toBeNull();
    expect(ctl.state.letters.get(1)).toBe("k");
  });
});
