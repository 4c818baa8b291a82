import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../api";
import { budgetView, formatActive, formatBudgetAmount, sortLedgerRows } from "./ledger";

describe("ledger", () => {
  it("formats budget amounts in their unit", () => {
    expect(formatBudgetAmount("points", 1234)).toBe("1,234 points");
    expect(formatBudgetAmount("pixels", 56000)).toBe("56,000 pixels");
    expect(formatBudgetAmount("hours", 2.5)).toBe("2.5 h");
    expect(formatBudgetAmount("hours", 0.25)).toBe("0.25 h");
    expect(formatBudgetAmount("hours", 12.4)).toBe("12 h");
    expect(formatBudgetAmount("hours", 3)).toBe("3 h");
    expect(formatBudgetAmount("points", null)).toBe("—");
  });
  it("shows the budget as a bar with spent and left", () => {
    expect(budgetView({ unit: null, amount: null, spent: null, remaining: null, exhausted: false })).toBeNull();
    expect(budgetView({ unit: "points", amount: 200, spent: 50, remaining: 150, exhausted: false })).toEqual({
      fraction: 0.25,
      spent: "50 points",
      remaining: "150 points",
      amount: "200 points",
      exhausted: false,
    });
    expect(budgetView({ unit: "points", amount: 3, spent: 5, remaining: 0, exhausted: true })?.fraction).toBe(1);
  });
  it("sorts rows newest round first, then by annotator", () => {
    const r = (round_number: number, email: string) => ({ round_number, email }) as LedgerRow;
    expect(sortLedgerRows([r(0, "b"), r(1, "b"), r(0, "a")]).map((x) => `${x.round_number}${x.email}`)).toEqual(["1b", "0a", "0b"]);
  });
  it("shows active time, a dash for none", () => {
    expect(formatActive(0)).toBe("—");
    expect(formatActive(null)).toBe("—");
    expect(formatActive(125)).toBe("2 min 05 s");
  });
});
