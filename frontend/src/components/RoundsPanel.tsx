import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { errorText, type Project, type Round } from "../api";
import { useApp } from "../state/context";
import {
  formatDateTime,
  formatDuration,
  formatInt,
  formatIoU,
  formatPercent,
  humanize,
} from "../domain/format";
import { useLoader, useRounds } from "../state/hooks";
import {
  canCancel,
  canRetry,
  delta,
  IDLE_POLL_INTERVAL_MS,
  isActive,
  miouCurve,
  parseRoundMessage,
  perClassTable,
  POLL_INTERVAL_MS,
  roundProgress,
} from "../domain/rounds";
import { MiouChart } from "./MiouChart";

export function RoundsPanel({ project }: { project: Project }) {
  const { api } = useApp();
  const live = useRounds(api, project.id);
  // Refetched whenever a task is completed (the rounds carry their done counts).
  const doneTotal = (live.rounds ?? []).reduce((n, r) => n + r.tasks_done, 0);
  const stats = useLoader(() => api.annotatorStats(project.id), `${project.id}:${doneTotal}`);
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

  const list = live.rounds ?? [];
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
        {live.rounds === null ? (
          <p class="muted pad">Loading…</p>
        ) : list.length === 0 ? (
          <p class="muted pad">No rounds yet. Round 0 trains the first model, measures it and selects the first pixels to label.</p>
        ) : (
          <table class="table rounds" data-testid="rounds-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Status</th>
                <th>Stage</th>
                <th class="col-progress">Progress</th>
                <th class="num">mIoU</th>
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
                    onToggle={() => setExpanded((e) => (e === r.id ? null : r.id))}
                    onCancel={() => void act(`cancel${r.id}`, () => api.cancelRound(r.id))}
                    onRetry={() => void act(`retry${r.id}`, () => api.retryRound(r.id))}
                  />
                  {expanded === r.id && <RoundDetails round={r} project={project} />}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
      </div>

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

interface RowProps {
  round: Round;
  expanded: boolean;
  busy: string | null;
  onToggle: () => void;
  onCancel: () => void;
  onRetry: () => void;
}

function RoundRow({ round: r, expanded, busy, onToggle, onCancel, onRetry }: RowProps) {
  const progress = roundProgress(r);
  const msg = parseRoundMessage(r.message);
  const duration =
    r.started_at && (r.finished_at ?? isActive(r))
      ? (new Date(r.finished_at ?? Date.now()).getTime() - new Date(r.started_at).getTime()) / 1000
      : null;
  const pct = Math.round(progress * 100);
  return (
    <tr
      class={expanded ? "round-row expanded" : "round-row"}
      data-testid="round-row"
      data-round-id={r.id}
      data-status={r.status}
      onClick={onToggle}
      title="Show details"
    >
      <td class="num-cell">{r.number}</td>
      <td>
        <span class={`badge badge-${r.status}`} data-testid="round-status">
          {r.status}
        </span>
      </td>
      <td>
        <div data-testid="round-stage">{humanize(r.stage)}</div>
        {r.error ? (
          <div class="small text-error clip" title={r.error}>
            {r.error}
          </div>
        ) : (
          r.message &&
          isActive(r) && (
            <div class="small muted clip" title={r.message}>
              {msg.done !== null && msg.total !== null ? `${formatInt(msg.done)} / ${formatInt(msg.total)}` : r.message}
              {msg.detail && ` · ${msg.detail}`}
            </div>
          )
        )}
      </td>
      <td class="col-progress">
        <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid="round-progress">
          <div class={`progress-fill progress-${r.status}`} style={{ width: `${progress * 100}%` }} />
        </div>
        <span class="small muted">
          {pct} %{isActive(r) && msg.etaSeconds !== null && ` · ETA ${formatDuration(msg.etaSeconds)}`}
        </span>
      </td>
      <td class="num" data-testid="round-miou">
        {formatIoU(r.metrics?.miou)}
      </td>
      <td class="num">
        {formatInt(r.metrics?.labelled_pixels)}
        {r.metrics && <div class="small muted">{formatPercent(r.metrics.labelled_fraction, 2)}</div>}
      </td>
      <td class="num">{r.task_count > 0 ? `${r.tasks_done} / ${r.task_count}` : "—"}</td>
      <td>
        <div class="small">{formatDateTime(r.started_at ?? r.created_at)}</div>
        {duration !== null && <div class="small muted">{formatDuration(duration)}</div>}
      </td>
      <td class="actions-cell" onClick={(e) => e.stopPropagation()}>
        {canCancel(r) && (
          <button type="button" class="btn btn-sm btn-ghost" data-testid="cancel-round" disabled={busy !== null} onClick={onCancel}>
            Cancel
          </button>
        )}
        {canRetry(r) && (
          <button type="button" class="btn btn-sm" data-testid="retry-round" disabled={busy !== null} onClick={onRetry}>
            Retry
          </button>
        )}
      </td>
    </tr>
  );
}

function RoundDetails({ round, project }: { round: Round; project: Project }) {
  const perClass = round.metrics?.per_class_iou ?? null;
  return (
    <tr class="round-details">
      <td colSpan={9}>
        {round.error && <pre class="error-box">{round.error}</pre>}
        {perClass && Object.keys(perClass).length > 0 ? (
          <div class="per-class">
            {project.classes.map((c) => {
              const v = perClass[c.name] ?? null;
              return (
                <div class="per-class-row" key={c.id}>
                  <span class="dot" style={{ background: c.colour }} />
                  <span class="per-class-name">{c.name}</span>
                  <div class="bar">
                    <div class="bar-fill" style={{ width: `${(v ?? 0) * 100}%`, background: c.colour }} />
                  </div>
                  <span class="num per-class-val">{formatIoU(v)}</span>
                </div>
              );
            })}
          </div>
        ) : (
          !round.error && <p class="muted small">No metrics yet.</p>
        )}
        <div class="muted small">
          Created {formatDateTime(round.created_at)}
          {round.finished_at && ` · finished ${formatDateTime(round.finished_at)}`}
          {round.message && ` · ${round.message}`}
        </div>
      </td>
    </tr>
  );
}
