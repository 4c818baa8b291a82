/** The label ledger and the budget as the admin screen shows them. Pure. */

import type { Budget, BudgetUnit, LedgerRow } from "../api";
import { formatDuration, formatInt } from "./format";

/** "1,234 points", "56,000 pixels", "2.5 h". */
export function formatBudgetAmount(unit: BudgetUnit, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (unit === "hours") return `${value.toFixed(value >= 10 ? 0 : value >= 1 ? 1 : 2).replace(/\.0+$/, "")} h`;
  return `${formatInt(value)} ${unit}`;
}

export interface BudgetView {
  /** 0..1, of the bar. */
  fraction: number;
  spent: string;
  remaining: string;
  amount: string;
  exhausted: boolean;
}

/** The budget's bar and words; null when the project has none. */
export function budgetView(b: Budget): BudgetView | null {
  if (b.unit === null || b.amount === null || !(b.amount > 0)) return null;
  const spent = b.spent ?? 0;
  return {
    fraction: Math.max(0, Math.min(1, spent / b.amount)),
    spent: formatBudgetAmount(b.unit, spent),
    remaining: formatBudgetAmount(b.unit, b.remaining ?? Math.max(0, b.amount - spent)),
    amount: formatBudgetAmount(b.unit, b.amount),
    exhausted: b.exhausted,
  };
}

/** The rows by round (newest first), then by annotator. */
export function sortLedgerRows(rows: readonly LedgerRow[]): LedgerRow[] {
  return [...rows].sort((a, b) => b.round_number - a.round_number || a.email.localeCompare(b.email));
}

/** Active time for the table: "—" for none, else as formatDuration ("3 min 05 s"). */
export function formatActive(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return "—";
  return formatDuration(seconds);
}
