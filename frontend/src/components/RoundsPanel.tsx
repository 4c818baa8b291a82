import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { errorText, type CurrentModel, type Project, type Round } from "../api";
import { useApp } from "../state/context";
import { currentModelText, estimateCurve, formatEstimate, lastRoundVerdict } from "../domain/audit";
import { formatDuration, formatInt, formatIoU } from "../domain/format";
import { useLoader, useRounds } from "../state/hooks";
import { delta, IDLE_POLL_INTERVAL_MS, isActive, miouCurve, perClassTable, POLL_INTERVAL_MS } from "../domain/rounds";
import { AuditChart } from "./AuditChart";
import { MiouChart } from "./MiouChart";
import { RoundDetails, RoundRow } from "./RoundRow";

export function RoundsPanel({ project }: { project: Project }) {
  const { api } = useApp();
  const live = useRounds(api, project.id);
  // Refetched whenever a task is completed (the rounds carry their done counts).
  const doneTotal = (live.rounds ?? []).reduce((n, r) => n + r.tasks_done, 0);
  const stats = useLoader(() => api.annotatorStats(project.id), `${project.id}:${doneTotal}`);
  const ledger = useLoader(() => api.ledger(project.id), `${project.id}:${doneTotal}`);
  // Refetched whenever a round finishes or an estimate changes.
  const estimates = (live.rounds ?? []).map((r) => `${r.id}:${r.status}:${r.audit?.miou ?? ""}`).join(",");
  const current = useLoader(() => api.currentModel(project.id), `${project.id}:${estimates}`);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<number | null>(null);

  const act = async (key: string, fn: () => Promise<Round>): Promise<void> => {
    setBusy(key);
    setError(null);
    try {
      live.upsert(await fn());
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  const pinning = async (key: string, fn: () => Promise<CurrentModel>): Promise<void> => {
    setBusy(key);
    setError(null);
    try {
      const model = await fn();
      current.setData(() => model);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  const list = live.rounds ?? [];
  const estimated = estimateCurve(list);
  const verdict = lastRoundVerdict(estimated);
  const active = list.some(isActive);
  const curve = miouCurve(list);
  const table = perClassTable(list, project.classes);

  return (
    <>
      <div class="card">
        <div class="card-head">
          <h2>Rounds</h2>
          <span
            class={live.error ? "live live-reconnecting" : "live live-live"}
            data-testid="feed-mode"
            title={
              live.error ??
              `Refreshed every ${POLL_INTERVAL_MS / 1000} s while a round is queued or running, every ${IDLE_POLL_INTERVAL_MS / 1000} s otherwise`
            }
          >
            <span class="live-dot" aria-hidden="true" />
            {live.error ? "offline, retrying…" : "live"}
          </span>
          <div class="card-head-spacer" />
          <button
            type="button"
            class="btn btn-primary"
            data-testid="launch-round"
            disabled={busy !== null || active || live.rounds === null}
            title={active ? "A round is already queued or running" : "Train, evaluate, select pixels and publish tasks"}
            onClick={() => void act("launch", () => api.launchRound(project.id))}
          >
            {busy === "launch" ? "Launching…" : list.length === 0 ? "Launch round 0" : `Launch round ${list.length}`}
          </button>
        </div>
        {error && (
          <div class="alert alert-error inset" role="alert" data-testid="launch-error">
            {error}
          </div>
        )}
        {live.error && live.rounds === null && <div class="alert alert-error inset">Rounds: {live.error}</div>}
        {current.data && (
          <div class="pad current-model" data-testid="current-model" data-round-id={current.data.round_id ?? ""}>
            <strong>Model served:</strong>
            <span data-testid="current-model-text">{currentModelText(current.data)}</span>
            {current.data.estimate && <span class="muted small">{formatEstimate(current.data.estimate)}</span>}
            {current.data.val_miou !== null && (
              <span class="muted small">val mIoU {formatIoU(current.data.val_miou)}</span>
            )}
          </div>
        )}
        {live.rounds === null ? (
          <p class="muted pad">Loading…</p>
        ) : list.length === 0 ? (
          <p class="muted pad">No rounds yet. Round 0 trains the first model, measures it and selects the first pixels to label.</p>
        ) : (
          <div class="table-scroll">
            <table class="table rounds" data-testid="rounds-table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Status</th>
                  <th>Stage</th>
                  <th class="col-progress">Progress</th>
                  <th title="Estimated from audit points (uniform random pixels never trained on)">Audit estimate</th>
                  <th class="num" title="Measured on the labelled target/val set, where the project has one">Val mIoU</th>
                  <th class="num">Labelled pixels</th>
                  <th class="num">Tasks done</th>
                  <th>Started</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {[...list].reverse().map((r) => (
                  <Fragment key={r.id}>
                    <RoundRow
                      round={r}
                      expanded={expanded === r.id}
                      busy={busy}
                      servingId={current.data?.round_id ?? null}
                      pinnedId={current.data ? current.data.pinned_round_id : project.pinned_round_id}
                      onPin={() => void pinning(`pin${r.id}`, () => api.pinRound(project.id, r.id))}
                      onUnpin={() => void pinning("unpin", () => api.unpinRound(project.id))}
                      onToggle={() => setExpanded((e) => (e === r.id ? null : r.id))}
                      onCancel={() => void act(`cancel${r.id}`, () => api.cancelRound(r.id))}
                      onRetry={() => void act(`retry${r.id}`, () => api.retryRound(r.id))}
                    />
                    {expanded === r.id && <RoundDetails round={r} project={project} />}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      {estimated.length > 0 && (
        <div class="card">
          <div class="card-head">
            <h2>Estimated mIoU</h2>
            <span class="muted small">from audit points, without target labels; shaded: the interval</span>
          </div>
          {verdict && (
            <div class={verdict.helped ? "alert alert-ok inset" : "alert alert-warn inset"} role="status" data-testid="audit-verdict" data-helped={String(verdict.helped)}>
              {verdict.text}
            </div>
          )}
          <AuditChart curve={estimated} ledgerRows={ledger.data?.rows ?? null} />
        </div>
      )}

      <div class="grid-2">
        <div class="card">
          <div class="card-head">
            <h2>Label efficiency</h2>
            <span class="muted small">target val mIoU against labelled pixels</span>
          </div>
          {curve.length > 0 ? <MiouChart points={curve} /> : <p class="muted pad">The curve appears once a round has been evaluated.</p>}
        </div>
        <div class="card">
          <div class="card-head">
            <h2>Per-class IoU</h2>
            <span class="muted small">target val, by round</span>
          </div>
          {table.rounds.length === 0 ? (
            <p class="muted pad">No per-class metrics yet.</p>
          ) : (
            <div class="table-scroll">
              <table class="table per-class-table" data-testid="per-class-table">
                <thead>
                  <tr>
                    <th>Class</th>
                    {table.rounds.map((n) => (
                      <th key={n} class="num">
                        R{n}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {table.rows.map((row) => (
                    <tr key={row.classId}>
                      <td>
                        <span class="dot" style={{ background: row.colour }} /> {row.name}
                      </td>
                      {row.values.map((v, i) => {
                        const d = delta(row.values, i);
                        return (
                          <td key={i} class="num iou-cell" style={{ background: iouShade(v) }}>
                            {formatIoU(v)}
                            {d !== null && Math.abs(d) >= 0.0005 && (
                              <span class={d > 0 ? "delta up" : "delta down"}>
                                {d > 0 ? "▲" : "▼"}
                                {(Math.abs(d) * 100).toFixed(1)}
                              </span>
                            )}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>

      <div class="card">
        <div class="card-head">
          <h2>Annotators</h2>
          <span class="muted small">submissions in this project</span>
        </div>
        {stats.error && <div class="alert alert-error inset">{stats.error}</div>}
        {stats.data === null ? (
          <p class="muted pad">Loading…</p>
        ) : stats.data.length === 0 ? (
          <p class="muted pad">Nobody has submitted labels yet.</p>
        ) : (
          <table class="table" data-testid="annotator-stats">
            <thead>
              <tr>
                <th>Annotator</th>
                <th class="num">Tasks</th>
                <th class="num">Labelled pixels</th>
                <th class="num">Time</th>
                <th class="num">Seconds / label</th>
              </tr>
            </thead>
            <tbody>
              {stats.data.map((s) => (
                <tr key={s.user_id}>
                  <td>{s.email}</td>
                  <td class="num">{formatInt(s.submissions)}</td>
                  <td class="num">{formatInt(s.labelled_pixels)}</td>
                  <td class="num">{formatDuration(s.seconds)}</td>
                  <td class="num">{s.seconds_per_label === null ? "—" : s.seconds_per_label.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}

/** A soft green behind IoU cells, stronger for better classes. */
function iouShade(v: number | null): string | undefined {
  if (v === null) return undefined;
  return `rgba(21, 128, 61, ${(0.05 + 0.28 * Math.max(0, Math.min(1, v))).toFixed(3)})`;
}
