/**
 * What the forms share. The server decides what is valid: a form reads what was
 * typed into a request body, and puts a failed request's errors on its fields:
 * each of a 422's validation errors next to the field it names, anything else
 * (another status, a string detail, an error no field shows) at the top.
 */

import { errorText, validationIssues, type FieldIssue } from "../api";

export type Loc = readonly (string | number)[];

/** Where an error about a body field goes on the form. */
export interface Placement<K extends string> {
  key: K;
  /** The form shows the body's value times this (a percentage of a fraction: 100). */
  scale?: number;
  /** Said after a scaled limit, e.g. " %". */
  unit?: string;
  /** Said before the message, e.g. "Colour" for one field of a class row. */
  label?: string;
}

export interface PlacedErrors<K extends string> {
  fields: Partial<Record<K, string>>;
  /** For the top of the form: errors no field shows, or a pointer to the marked fields. */
  form: string;
}

export const SEE_FIELDS = "The server did not accept the marked fields.";

/** Pydantic's words for the limits it reports in `ctx`. */
const LIMITS: Record<string, string> = {
  gt: "greater than",
  ge: "greater than or equal to",
  lt: "less than",
  le: "less than or equal to",
};

/** The issue's message; for a scaled field, its limit restated in the form's unit. */
export function issueMessage(issue: FieldIssue, place: { scale?: number; unit?: string; label?: string }): string {
  let msg = issue.msg;
  if (place.scale !== undefined) {
    for (const [key, words] of Object.entries(LIMITS)) {
      const bound = issue.ctx[key];
      if (typeof bound === "number") {
        msg = `Input should be ${words} ${String(roundTo(bound * place.scale, 6))}${place.unit ?? ""}`;
        break;
      }
    }
  }
  return place.label ? `${place.label}: ${msg}` : msg;
}

/**
 * `err` placed on a form: `place` maps a validation error's `loc` (relative to the
 * body) to a field, or null for the message at the top.
 */
export function placeErrors<K extends string>(
  err: unknown,
  place: (loc: Loc) => Placement<K> | K | null,
): PlacedErrors<K> {
  const issues = validationIssues(err);
  if (issues === null) return { fields: {}, form: errorText(err) };
  const fields: Partial<Record<K, string>> = {};
  const unplaced: string[] = [];
  for (const issue of issues) {
    const found = place(issue.loc);
    if (found === null) {
      const where = issue.loc.join(".");
      unplaced.push(where ? `${where}: ${issue.msg}` : issue.msg);
      continue;
    }
    const p: Placement<K> = typeof found === "string" ? { key: found } : found;
    const msg = issueMessage(issue, p);
    const before = fields[p.key];
    fields[p.key] = before === undefined ? msg : `${before}; ${msg}`;
  }
  return { fields, form: unplaced.length > 0 ? unplaced.join("; ") : SEE_FIELDS };
}

export const NOT_A_NUMBER = "Enter a number.";

/** A number typed in a text field; null when there is none ("", "abc", "Infinity"). */
export function parseNumber(s: string): number | null {
  const t = s.trim();
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export function roundTo(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
