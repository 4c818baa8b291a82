/** Test data shared by the unit tests: a whole API object, with what a test cares about set. */

import type { Round } from "../api";

/** A finished round 0 with no metrics, no audit estimate and no tasks, `fields` on top. */
export function makeRound(fields: Partial<Round> = {}): Round {
  return {
    id: 1,
    project_id: 1,
    number: 0,
    status: "done",
    stage: "done",
    progress: 1,
    message: null,
    metrics: null,
    audit: null,
    error: null,
    task_count: 0,
    tasks_done: 0,
    has_model: false,
    created_at: "2025-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    ...fields,
  };
}
