import { useState } from "preact/hooks";
import { errorText, type LedgerCounts, type Project } from "../api";
import { budgetView, formatActive, sortLedgerRows } from "../domain/ledger";
import { formatInt } from "../domain/format";
import { useLoader } from "../state/hooks";
import { useApp } from "../state/context";
import { saveBlob } from "./saveBlob";

/** The label ledger: effort per round and annotator (audit effort apart), totals and the budget. */
export function LedgerPanel({ project }: { project: Project }) {
  const { api } = useApp();
  const ledger = useLoader(() => api.ledger(project.id), project.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const downloadCsv = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const file = await api.ledgerCsv(project.id);
      saveBlob(file.blob, file.filename ?? `project${project.id}-ledger.csv`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const data = ledger.data;
  const budget = data ? budgetView(data.budget) : null;
  const rows = data ? sortLedgerRows(data.rows) : [];

  return (
    <>
      <div class="card" data-testid="budget">
        <div class="card-head">
          <h2>Budget</h2>
          <span class="muted small">audit effort counts; once spent, no round is launched</span>
        </div>
        {data === null ? (
          <p class="muted pad">{ledger.error ?? "Loading…"}</p>
        ) : budget === null ? (
          <p class="muted pad" data-testid="budget-none">
            No labelling budget: set one under Settings (points, pixels or annotator hours).
          </p>
        ) : (
          <div class={budget.exhausted ? "budget budget-exhausted" : "budget"}>
            <div data-testid="budget-text">
              Spent <strong data-testid="budget-spent">{budget.spent}</strong> of {budget.amount} ·{" "}
              <span data-testid="budget-remaining">{budget.remaining}</span> left
              {budget.exhausted && <strong class="text-error"> · spent: no new rounds</strong>}
            </div>
            <div
              class="progress"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(budget.fraction * 100)}
              data-testid="budget-bar"
            >
              <div class="progress-fill" style={{ width: `${budget.fraction * 100}%` }} />
            </div>
          </div>
        )}
      </div>

      <div class="card">
        <div class="card-head">
          <h2>Label ledger</h2>
          <span class="muted small">per round and annotator; audit tasks apart</span>
          <div class="card-head-spacer" />
          <button type="button" class="btn btn-sm" data-testid="ledger-csv" disabled={busy || data === null} onClick={() => void downloadCsv()}>
            {busy ? "Downloading…" : "Download CSV"}
          </button>
        </div>
        {(error ?? (data !== null && ledger.error)) && <div class="alert alert-error inset">{error ?? ledger.error}</div>}
        {data === null ? null : rows.length === 0 ? (
          <p class="muted pad">Nobody has submitted or skipped a task yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="table ledger" data-testid="ledger-table">
              <thead>
                <tr>
                  <th>Round</th>
                  <th>Annotator</th>
                  <th class="num">Submissions</th>
                  <th class="num">Points</th>
                  <th class="num">Painted pixels</th>
                  <th class="num">Segments</th>
                  <th class="num">Skipped</th>
                  <th class="num">Active time</th>
                  <th class="num" title="Audit tasks: uniform random points that only measure the model">Audit tasks</th>
                  <th class="num">Audit points</th>
                  <th class="num">Audit time</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.round_id}:${r.user_id}`} data-testid="ledger-row" data-round={r.round_number} data-email={r.email}>
                    <td>{r.round_number}</td>
                    <td>{r.email}</td>
                    <Counts c={r} />
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-testid="ledger-totals">
                  <td colSpan={2}>Total</td>
                  <Counts c={data.totals} />
                </tr>
              </tfoot>
            </table>
          </div>
        )}
      </div>
    </>
  );
}

function Counts({ c }: { c: LedgerCounts }) {
  return (
    <>
      <td class="num" data-col="submissions">{formatInt(c.submissions)}</td>
      <td class="num" data-col="points">{formatInt(c.points)}</td>
      <td class="num" data-col="painted_pixels">{formatInt(c.painted_pixels)}</td>
      <td class="num" data-col="segments">{formatInt(c.segments)}</td>
      <td class="num" data-col="skipped_tasks">{formatInt(c.skipped_tasks)}</td>
      <td class="num" data-col="seconds">{formatActive(c.seconds)}</td>
      <td class="num audit-cell" data-col="audit_submissions">{formatInt(c.audit_submissions)}</td>
      <td class="num audit-cell" data-col="audit_points">{formatInt(c.audit_points)}</td>
      <td class="num audit-cell" data-col="audit_seconds">{formatActive(c.audit_seconds)}</td>
    </>
  );
}
