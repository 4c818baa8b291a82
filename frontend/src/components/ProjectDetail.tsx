import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { errorText, type Project, type Round } from "../api";
import { useApp } from "../context";
import {
  formatDateTime,
  formatDuration,
  formatInt,
  formatIoU,
  formatPercent,
  humanize,
  methodName,
  objectiveName,
} from "../format";
import { useLoader } from "../hooks";
import { isActive, miouCurve, POLL_INTERVAL_MS, roundProgress, shouldPoll, upsertRound } from "../rounds";
import { MiouChart } from "./MiouChart";

export function ProjectDetail({ project }: { project: Project }) {
  const { api, navigate } = useApp();
  const rounds = useLoader(() => api.listRounds(project.id), project.id, {
    intervalMs: POLL_INTERVAL_MS,
    pollWhile: shouldPoll,
  });
  const [launching, setLaunching] = useState(false);
  const [launchError, setLaunchError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<number | null>(null);

  const launch = async (): Promise<void> => {
    setLaunching(true);
    setLaunchError(null);
    try {
      const round = await api.launchRound(project.id);
      rounds.setData((prev) => upsertRound(prev ?? [], round));
      rounds.reload(); // (re)starts polling
    } catch (err) {
      setLaunchError(errorText(err));
    } finally {
      setLaunching(false);
    }
  };

  const list = rounds.data ?? [];
  const active = list.some(isActive);
  const curve = miouCurve(list);
  const budget =
    project.selection_method === "ppl"
      ? `${project.points_per_image} points / image`
      : `${formatPercent(project.pixel_budget, 1)} of pixels / image`;

  return (
    <div class="project-detail">
      <div class="detail-head">
        <div>
          <h1 data-testid="project-name">{project.name}</h1>
          <div class="chips">
            <span class="chip">{methodName(project.selection_method)}</span>
            <span class="chip">Objective: {objectiveName(project.objective)}</span>
            <span class="chip">{budget}</span>
            <span class="chip">{project.images_per_round} images / round</span>
          </div>
          <div class="class-chips">
            {project.classes.map((c) => (
              <span class="class-chip" key={c.id} title={`class ${c.id}`}>
                <span class="dot" style={{ background: c.colour }} />
                {c.name}
              </span>
            ))}
          </div>
        </div>
        <div class="detail-actions">
          <button
            type="button"
            class="btn"
            onClick={() => navigate({ view: "annotate", projectId: project.id })}
          >
            Annotate
          </button>
          <button
            type="button"
            class="btn btn-primary"
            data-testid="launch-round"
            disabled={launching || active}
            title={active ? "A round is already queued or running" : "Start the next adaptation round"}
            onClick={() => void launch()}
          >
            {launching ? "Launching…" : "Launch round"}
          </button>
        </div>
      </div>

      {launchError && (
        <div class="alert alert-error" role="alert" data-testid="launch-error">
          Could not launch a round: {launchError}
        </div>
      )}
      {rounds.error && <div class="alert alert-error">Rounds: {rounds.error}</div>}

      <div class="card">
        <div class="card-head">
          <h2>Rounds</h2>
          {active && <span class="live">live · refreshing every {POLL_INTERVAL_MS / 1000} s</span>}
        </div>
        {rounds.data === null ? (
          <p class="muted pad">Loading…</p>
        ) : list.length === 0 ? (
          <p class="muted pad">No rounds yet. Launch round 0 to train the first model and select pixels to label.</p>
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
                <th class="num">Tasks</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {[...list].reverse().map((r) => (
                <Fragment key={r.id}>
                  <RoundRow
                    round={r}
                    expanded={expanded === r.id}
                    onToggle={() => setExpanded((e) => (e === r.id ? null : r.id))}
                  />
                  {expanded === r.id && <RoundDetails round={r} project={project} />}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
      </div>

      {curve.length > 0 && (
        <div class="card">
          <div class="card-head">
            <h2>Label efficiency</h2>
            <span class="muted small">target val mIoU against labelled pixels</span>
          </div>
          <MiouChart points={curve} />
        </div>
      )}
    </div>
  );
}

function RoundRow({ round: r, expanded, onToggle }: { round: Round; expanded: boolean; onToggle: () => void }) {
  const progress = roundProgress(r);
  const duration =
    r.started_at && (r.finished_at ?? isActive(r))
      ? (new Date(r.finished_at ?? Date.now()).getTime() - new Date(r.started_at).getTime()) / 1000
      : null;
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
        <div>{humanize(r.stage)}</div>
        {(r.error ?? r.message) && (
          <div class={r.error ? "small text-error clip" : "small muted clip"} title={r.error ?? r.message ?? ""}>
            {r.error ?? r.message}
          </div>
        )}
      </td>
      <td class="col-progress">
        <div
          class="progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(progress * 100)}
        >
          <div class={`progress-fill progress-${r.status}`} style={{ width: `${progress * 100}%` }} />
        </div>
        <span class="small muted">{Math.round(progress * 100)} %</span>
      </td>
      <td class="num" data-testid="round-miou">
        {formatIoU(r.metrics?.miou)}
      </td>
      <td class="num">
        {formatInt(r.metrics?.labelled_pixels)}
        {r.metrics && <div class="small muted">{formatPercent(r.metrics.labelled_fraction, 2)}</div>}
      </td>
      <td class="num">
        {r.task_count > 0 ? `${r.tasks_done} / ${r.task_count}` : "—"}
      </td>
      <td>
        <div class="small">{formatDateTime(r.started_at ?? r.created_at)}</div>
        {duration !== null && <div class="small muted">{formatDuration(duration)}</div>}
      </td>
    </tr>
  );
}

function RoundDetails({ round, project }: { round: Round; project: Project }) {
  const perClass = round.metrics?.per_class_iou ?? null;
  return (
    <tr class="round-details">
      <td colSpan={8}>
        {round.error && <pre class="error-box">{round.error}</pre>}
        {perClass ? (
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
        </div>
      </td>
    </tr>
  );
}
