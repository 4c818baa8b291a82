import type { Project, Round } from "../api";
import { estimateDetail, formatEstimate } from "../domain/audit";
import { formatDateTime, formatDuration, formatInt, formatIoU, formatPercent, humanize } from "../domain/format";
import { canCancel, canRetry, isActive, parseRoundMessage, roundProgress } from "../domain/rounds";

interface RowProps {
  round: Round;
  expanded: boolean;
  busy: string | null;
  /** The round whose model is served, and the pinned one. */
  servingId: number | null;
  pinnedId: number | null;
  onToggle: () => void;
  onCancel: () => void;
  onRetry: () => void;
  onPin: () => void;
  onUnpin: () => void;
}

/** Columns of the rounds table, for the details row's span. */
export const ROUND_COLUMNS = 10;

export function RoundRow({ round: r, expanded, busy, servingId, pinnedId, onToggle, onCancel, onRetry, onPin, onUnpin }: RowProps) {
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
      <td class="estimate" data-testid="round-estimate">
        <span title={r.audit && r.audit.miou !== null ? estimateDetail(r.audit) : undefined}>{formatEstimate(r.audit)}</span>
        {r.id === servingId && (
          <span class="badge badge-done" data-testid="serving-badge" title="The project serves this round's model">
            serving
          </span>
        )}
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
        {r.has_model && r.id !== pinnedId && (
          <button type="button" class="btn btn-sm btn-ghost" data-testid="pin-round" disabled={busy !== null} onClick={onPin} title="Serve this round's model whatever the estimates say">
            Pin
          </button>
        )}
        {r.id === pinnedId && (
          <button type="button" class="btn btn-sm" data-testid="unpin-round" disabled={busy !== null} onClick={onUnpin} title="Let the audit estimates choose again">
            Unpin
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

export function RoundDetails({ round, project }: { round: Round; project: Project }) {
  const perClass = round.metrics?.per_class_iou ?? null;
  return (
    <tr class="round-details">
      <td colSpan={ROUND_COLUMNS}>
        {round.error && <pre class="error-box">{round.error}</pre>}
        {round.audit && (
          <p class="small" data-testid="round-audit-detail">
            Audit estimate: {formatEstimate(round.audit)}
            {round.audit.miou !== null && ` (${estimateDetail(round.audit)})`}
            {round.audit.pixel_accuracy !== null && ` · pixel accuracy ${formatPercent(round.audit.pixel_accuracy, 1)}`}
          </p>
        )}
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
