import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, detailMessage, NetworkError, type FetchLike } from "./api";

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
