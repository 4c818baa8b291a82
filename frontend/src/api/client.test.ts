import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, detailMessage, filenameOf, NetworkError, type FetchLike, type XhrLike } from "./index";

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/** A fetch that answers from a queue of responses and records every call. */
function fakeFetch(...responses: (Response | Error)[]): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({ url, init });
    const next = responses.shift();
    if (!next) return Promise.reject(new Error("unexpected request " + url));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { fetch, calls };
}

function bodyText(call: Call | undefined): string {
  const b = call?.init?.body;
  if (typeof b !== "string") throw new Error("expected a string body");
  return b;
}

function header(call: Call | undefined, name: string): string | undefined {
  const h = call?.init?.headers as Record<string, string> | undefined;
  return h?.[name];
}

describe("ApiClient", () => {
  it("logs in with a form-urlencoded body and no bearer header", async () => {
    const { fetch, calls } = fakeFetch(jsonResponse(200, { access_token: "tok", token_type: "bearer" }));
    const api = new ApiClient({ getToken: () => "old", fetch });
    const res = await api.login("a@b.c", "p&ss word");
    expect(res.access_token).toBe("tok");
    expect(calls[0]?.url).toBe("/api/v1/login/access-token");
    expect(calls[0]?.init?.method).toBe("POST");
    expect(header(calls[0], "Content-Type")).toBe("application/x-www-form-urlencoded");
    expect(header(calls[0], "Authorization")).toBeUndefined();
    const body = new URLSearchParams(bodyText(calls[0]));
    expect(body.get("username")).toBe("a@b.c");
    expect(body.get("password")).toBe("p&ss word");
  });

  it("sends the bearer token and JSON bodies", async () => {
    const { fetch, calls } = fakeFetch(jsonResponse(200, { id: 7, task_id: 3, labelled_pixels: 2 }));
    const api = new ApiClient({ getToken: () => "abc", fetch });
    const body = { labels: [{ x: 1, y: 2, class_id: 0 }], seconds_spent: 1.5, client_key: "k" };
    const res = await api.submitTask(3, body);
    expect(res.labelled_pixels).toBe(2);
    expect(calls[0]?.url).toBe("/api/v1/tasks/3/submit");
    expect(header(calls[0], "Authorization")).toBe("Bearer abc");
    expect(header(calls[0], "Content-Type")).toBe("application/json");
    expect(JSON.parse(bodyText(calls[0]))).toEqual(body);
  });

  it("returns null for 204 on next task", async () => {
    const { fetch, calls } = fakeFetch(new Response(null, { status: 204 }));
    const api = new ApiClient({ getToken: () => "t", fetch });
    await expect(api.nextTask(5)).resolves.toBeNull();
    expect(calls[0]?.url).toBe("/api/v1/projects/5/tasks/next");
    expect(calls[0]?.init?.method).toBe("POST");
  });

  it("returns the task on 200 from next task", async () => {
    const task = { id: 1, kind: "points", points: [{ x: 1, y: 1 }] };
    const { fetch } = fakeFetch(jsonResponse(200, task));
    const api = new ApiClient({ getToken: () => "t", fetch });
    await expect(api.nextTask(5)).resolves.toEqual(task);
  });

  it("raises ApiError with the server's string detail", async () => {
    const { fetch } = fakeFetch(jsonResponse(409, { detail: "Lease expired" }));
    const api = new ApiClient({ getToken: () => "t", fetch });
    const err = await api.getTask(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).message).toBe("Lease expired");
  });

  it("formats validation error lists", async () => {
    const detail = [{ loc: ["body", "name"], msg: "Field required", type: "missing" }];
    const { fetch } = fakeFetch(jsonResponse(422, { detail }));
    const api = new ApiClient({ getToken: () => "t", fetch });
    await expect(api.listProjects()).rejects.toThrow("name: Field required");
  });

  it("wraps transport failures in NetworkError", async () => {
    const { fetch } = fakeFetch(new TypeError("Failed to fetch"));
    const api = new ApiClient({ getToken: () => "t", fetch });
    await expect(api.me()).rejects.toBeInstanceOf(NetworkError);
  });

  it("on 401 waits for re-login and retries with the new token", async () => {
    let token = "expired";
    const { fetch, calls } = fakeFetch(
      jsonResponse(401, { detail: "Not authenticated" }),
      jsonResponse(200, { id: 1, email: "a@b.c", role: "admin" }),
    );
    const onUnauthorized = vi.fn(() => {
      token = "fresh";
      return Promise.resolve();
    });
    const api = new ApiClient({ getToken: () => token, fetch, onUnauthorized });
    const me = await api.me();
    expect(me.role).toBe("admin");
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(header(calls[0], "Authorization")).toBe("Bearer expired");
    expect(header(calls[1], "Authorization")).toBe("Bearer fresh");
  });

  it("resends the identical submit body after re-login", async () => {
    const { fetch, calls } = fakeFetch(
      jsonResponse(401, { detail: "expired" }),
      jsonResponse(200, { id: 1, task_id: 2, labelled_pixels: 1 }),
    );
    const api = new ApiClient({ getToken: () => "t", fetch, onUnauthorized: () => Promise.resolve() });
    await api.submitTask(2, { labels: [{ x: 0, y: 0, class_id: 1 }], seconds_spent: 3, client_key: "same" });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.init?.body).toBe(calls[0]?.init?.body);
  });

  it("does not ask for re-login when the login itself is rejected", async () => {
    const { fetch } = fakeFetch(jsonResponse(401, { detail: "Incorrect email or password" }));
    const onUnauthorized = vi.fn(() => Promise.resolve());
    const api = new ApiClient({ getToken: () => null, fetch, onUnauthorized });
    await expect(api.login("x", "y")).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("gives up with 401 when re-login keeps failing", async () => {
    const { fetch, calls } = fakeFetch(
      jsonResponse(401, {}),
      jsonResponse(401, {}),
      jsonResponse(401, {}),
    );
    const api = new ApiClient({ getToken: () => "t", fetch, onUnauthorized: () => Promise.resolve(), maxReauth: 2 });
    await expect(api.me()).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(3);
  });

  it("fetches files by their absolute API URL as blobs", async () => {
    const { fetch, calls } = fakeFetch(new Response(new Uint8Array([1, 2, 3]), { status: 200 }));
    const api = new ApiClient({ getToken: () => "t", fetch });
    const blob = await api.fetchBlob("/api/v1/images/4/file");
    expect(blob.size).toBe(3);
    expect(calls[0]?.url).toBe("/api/v1/images/4/file");
    expect(header(calls[0], "Authorization")).toBe("Bearer t");
  });

  it("builds the rounds and projects URLs", async () => {
    const { fetch, calls } = fakeFetch(
      jsonResponse(202, { id: 9, number: 0, status: "queued" }),
      jsonResponse(200, []),
      jsonResponse(200, { miou: 0.5 }),
    );
    const api = new ApiClient({ getToken: () => "t", fetch });
    await api.launchRound(2);
    await api.listRounds(2);
    await api.roundMetrics(9);
    expect(calls.map((c) => [c.init?.method, c.url])).toEqual([
      ["POST", "/api/v1/projects/2/rounds"],
      ["GET", "/api/v1/projects/2/rounds"],
      ["GET", "/api/v1/rounds/9/metrics"],
    ]);
  });
});

describe("detailMessage", () => {
  it("falls back to the status", () => {
    expect(detailMessage(undefined, 500)).toBe("Request failed (HTTP 500)");
    expect(detailMessage("", 404)).toBe("Request failed (HTTP 404)");
  });
  it("joins several validation errors", () => {
    expect(
      detailMessage([
        { loc: ["body", "classes", 0, "colour"], msg: "bad colour" },
        { loc: ["query", "x"], msg: "bad x" },
      ]),
    ).toBe("classes.0.colour: bad colour; query.x: bad x");
  });
});

/** A scripted XMLHttpRequest: answers each send() with the next (status, body), after progress events. */
class FakeXhr implements XhrLike {
  static script: { status: number; body: string }[] = [];
  static sent: { url: string; headers: Record<string, string>; form: FormData }[] = [];
  status = 0;
  responseText = "";
  upload: XhrLike["upload"] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  private url = "";
  private headers: Record<string, string> = {};

  open(_method: string, url: string): void {
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  send(form: FormData): void {
    FakeXhr.sent.push({ url: this.url, headers: this.headers, form });
    const next = FakeXhr.script.shift();
    queueMicrotask(() => {
      if (!next) {
        this.onerror?.();
        return;
      }
      this.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true });
      this.upload.onprogress?.({ loaded: 100, total: 100, lengthComputable: true });
      this.status = next.status;
      this.responseText = next.body;
      this.onload?.();
    });
  }
  abort(): void {
    this.onabort?.();
  }
}

describe("ApiClient — annotation and admin calls", () => {
  it("saves drafts with PUT (keepalive on request), skips, lists submissions", async () => {
    const { fetch, calls } = fakeFetch(new Response(null, { status: 204 }), new Response(null, { status: 204 }), jsonResponse(200, []));
    const api = new ApiClient({ getToken: () => "t", fetch });
    await api.saveDraft(4, { labels: [], seconds_spent: 3, current_point: 1 }, { keepalive: true });
    await api.skipTask(4, 9.5);
    await api.submittedTasks(2, 5);
    expect(calls.map((c) => [c.init?.method, c.url])).toEqual([
      ["PUT", "/api/v1/tasks/4/draft"],
      ["POST", "/api/v1/tasks/4/skip"],
      ["GET", "/api/v1/projects/2/tasks/submitted?limit=5"],
    ]);
    expect(calls[0]?.init?.keepalive).toBe(true);
    expect(JSON.parse(bodyText(calls[0]))).toEqual({ labels: [], seconds_spent: 3, current_point: 1 });
    expect(JSON.parse(bodyText(calls[1]))).toEqual({ seconds_spent: 9.5 });
  });

  it("patches project settings, cancels and retries rounds", async () => {
    const { fetch, calls } = fakeFetch(jsonResponse(200, { id: 1 }), jsonResponse(202, { id: 5 }), jsonResponse(202, { id: 5 }));
    const api = new ApiClient({ getToken: () => "t", fetch });
    await api.updateProject(1, { pixel_budget: 0.05 });
    await api.cancelRound(5);
    await api.retryRound(5);
    expect(calls.map((c) => [c.init?.method, c.url])).toEqual([
      ["PATCH", "/api/v1/projects/1"],
      ["POST", "/api/v1/rounds/5/cancel"],
      ["POST", "/api/v1/rounds/5/retry"],
    ]);
    expect(JSON.parse(bodyText(calls[0]))).toEqual({ pixel_budget: 0.05 });
  });

  it("exports: a zip comes back as a file, a 202 as a job", async () => {
    const zip = new Response(new Uint8Array([80, 75, 3, 4]), {
      headers: { "Content-Type": "application/zip", "Content-Disposition": 'attachment; filename="p1-labels.zip"' },
    });
    const { fetch, calls } = fakeFetch(zip, jsonResponse(202, { id: "ab", what: "model", format: "generic", status: "queued", progress: 0, error: null, download_url: null }));
    const api = new ApiClient({ getToken: () => "t", fetch });
    const file = await api.createExport(1, { what: "labels", format: "generic" });
    expect(file.kind === "file" && file.filename).toBe("p1-labels.zip");
    expect(file.kind === "file" && file.blob.size).toBe(4);
    const job = await api.createExport(1, { what: "model" });
    expect(job.kind === "job" && job.job.status).toBe("queued");
    expect(calls[0]?.url).toBe("/api/v1/projects/1/exports");
  });

  it("reads file names from Content-Disposition", () => {
    const h = (v: string): Response => new Response(null, { headers: { "Content-Disposition": v } });
    expect(filenameOf(h('attachment; filename="a b.zip"'))).toBe("a b.zip");
    expect(filenameOf(h("attachment; filename*=UTF-8''caf%C3%A9.zip"))).toBe("café.zip");
    expect(filenameOf(new Response(null))).toBeNull();
  });
});

describe("ApiClient.uploadDataset", () => {
  it("posts multipart with the token, reports progress and returns the dataset", async () => {
    FakeXhr.script = [{ status: 201, body: JSON.stringify({ id: 7, name: "zip", kind: "source", image_count: 3 }) }];
    FakeXhr.sent = [];
    const api = new ApiClient({ getToken: () => "tok", xhr: () => new FakeXhr() });
    const progress: number[] = [];
    const d = await api.uploadDataset(
      2,
      { file: new Blob(["zipdata"]), fileName: "data.zip", kind: "source", format: "generic", name: "My data" },
      (p) => progress.push(p.loaded / p.total),
    );
    expect(d.id).toBe(7);
    expect(progress).toEqual([0.5, 1]);
    const sent = FakeXhr.sent[0];
    expect(sent?.url).toBe("/api/v1/projects/2/datasets/upload");
    expect(sent?.headers.Authorization).toBe("Bearer tok");
    expect(sent?.form.get("kind")).toBe("source");
    expect(sent?.form.get("name")).toBe("My data");
    expect(sent?.form.get("format")).toBe("generic");
    expect((sent?.form.get("file") as File).name).toBe("data.zip");
  });

  it("turns a 422 into an ApiError with the server's detail", async () => {
    FakeXhr.script = [{ status: 422, body: JSON.stringify({ detail: "labels/a.png: unknown class ids [9]" }) }];
    const api = new ApiClient({ getToken: () => "tok", xhr: () => new FakeXhr() });
    const err = await api
      .uploadDataset(2, { file: new Blob(["x"]), fileName: "x.zip", kind: "target_val" }, () => undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).message).toBe("labels/a.png: unknown class ids [9]");
  });

  it("signs in again on 401 and uploads once more", async () => {
    FakeXhr.script = [
      { status: 401, body: JSON.stringify({ detail: "expired" }) },
      { status: 201, body: JSON.stringify({ id: 8 }) },
    ];
    FakeXhr.sent = [];
    let token = "old";
    const api = new ApiClient({
      getToken: () => token,
      onUnauthorized: () => {
        token = "new";
        return Promise.resolve();
      },
      xhr: () => new FakeXhr(),
    });
    const d = await api.uploadDataset(2, { file: new Blob(["x"]), fileName: "x.zip", kind: "source" }, () => undefined);
    expect(d.id).toBe(8);
    expect(FakeXhr.sent.map((s) => s.headers.Authorization)).toEqual(["Bearer old", "Bearer new"]);
  });

  it("rejects with NetworkError when the connection fails", async () => {
    FakeXhr.script = [];
    const api = new ApiClient({ getToken: () => null, xhr: () => new FakeXhr() });
    await expect(api.uploadDataset(1, { file: new Blob([]), fileName: "a.zip", kind: "source" }, () => undefined)).rejects.toBeInstanceOf(NetworkError);
  });
});
