import { describe, expect, it } from "vitest";
import { makeRound } from "../test/fixtures";
import type { Project, Round, User } from "../api";
import { availability, landingRoute, openTasks } from "./landing";

function round(number: number, fields: Partial<Round> = {}): Round {
  return makeRound({ id: number + 1, number, ...fields });
}

const admin = { id: 1, email: "a@x", role: "admin", is_active: true } as User;
const annotator = { id: 2, email: "b@x", role: "annotator", is_active: true } as User;
const project = (id: number) => ({ id, name: `p${id}` }) as Project;

describe("availability", () => {
  it("counts tasks published and not yet done", () => {
    expect(openTasks([round(0, { task_count: 8, tasks_done: 3 }), round(1, { task_count: 4 })])).toBe(9);
  });

  it("tells apart: open, a round running, nothing ever published, all labelled", () => {
    expect(availability([round(0, { task_count: 2, tasks_done: 1 })])).toEqual({ kind: "open", tasks: 1 });
    expect(availability([round(0, { status: "running", task_count: 0 })])).toEqual({ kind: "running", round: 0 });
    expect(availability([])).toEqual({ kind: "none-yet" });
    expect(availability([round(0, { status: "failed" })])).toEqual({ kind: "none-yet" });
    expect(availability([round(0, { task_count: 3, tasks_done: 3 })])).toEqual({ kind: "all-done" });
  });
});

describe("landingRoute", () => {
  const none = new Map<number, Round[]>();

  it("lands an admin with nothing to label on the dashboard, on the only project", () => {
    expect(landingRoute(admin, [project(7)], none)).toEqual({ view: "admin", projectId: 7, tab: "rounds" });
    expect(landingRoute(admin, [project(7), project(8)], none)).toEqual({ view: "admin", projectId: null, tab: "rounds" });
    expect(landingRoute(admin, [], none)).toEqual({ view: "admin", projectId: null, tab: "rounds" });
  });

  it("lands an admin with open tasks on annotation, in the project that has them", () => {
    const rounds = new Map([[8, [round(0, { task_count: 4 })]]]);
    expect(landingRoute(admin, [project(7), project(8)], rounds)).toEqual({ view: "annotate", projectId: 8 });
  });

  it("always lands an annotator on annotation", () => {
    expect(landingRoute(annotator, [project(7)], none)).toEqual({ view: "annotate", projectId: 7 });
    expect(landingRoute(annotator, [project(7), project(8)], none)).toEqual({ view: "annotate", projectId: null });
  });
});
