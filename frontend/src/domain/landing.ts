/**
 * Where a person lands after signing in, and what the annotation screen says when there is
 * nothing to start: derived from the project's rounds, whose task counts the API reports.
 */

import type { Project, Round, User } from "../api";
import { isActive } from "./rounds";
import type { Route } from "./router";

export type Availability =
  | { kind: "open"; tasks: number }
  | { kind: "running"; round: number }
  | { kind: "none-yet" }
  | { kind: "all-done" };

/** Tasks published and not yet labelled (pending, leased or skipped by someone). */
export function openTasks(rounds: readonly Round[]): number {
  return rounds.reduce((n, r) => n + Math.max(0, r.task_count - r.tasks_done), 0);
}

export function availability(rounds: readonly Round[]): Availability {
  const open = openTasks(rounds);
  if (open > 0) return { kind: "open", tasks: open };
  const running = rounds.find(isActive);
  if (running) return { kind: "running", round: running.number };
  return rounds.some((r) => r.task_count > 0) ? { kind: "all-done" } : { kind: "none-yet" };
}

/**
 * Annotators label. Admins label only when some project has open tasks; otherwise they land on
 * the dashboard, opened on the project when there is just one.
 */
export function landingRoute(user: User, projects: readonly Project[], rounds: ReadonlyMap<number, readonly Round[]>): Route {
  const labelling = projects.filter((p) => openTasks(rounds.get(p.id) ?? []) > 0);
  const only = (list: readonly Project[]): number | null => (list.length === 1 ? (list[0]?.id ?? null) : null);
  if (user.role !== "admin" || labelling.length > 0) {
    return { view: "annotate", projectId: only(labelling.length > 0 ? labelling : projects) };
  }
  return { view: "admin", projectId: only(projects), tab: "rounds" };
}
