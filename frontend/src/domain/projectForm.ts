/** The "new project" form: editable state and defaults, the ProjectCreate body, the server's errors. */

import type { Objective, ProjectCreate, SelectionMethod } from "../api";
import { NOT_A_NUMBER, parseNumber, placeErrors, roundTo, type Loc, type Placement } from "./forms";

export interface ClassRow {
  name: string;
  colour: string;
}

export interface ProjectFormState {
  name: string;
  classes: ClassRow[];
  selection_method: SelectionMethod;
  objective: Objective;
  points_per_image: string;
  /** Percent of the pixels of an image (the API takes a fraction). */
  pixel_budget_percent: string;
  images_per_round: string;
}

/** Distinct colours for new class rows (Cityscapes-like). */
export const DEFAULT_COLOURS = [
  "#804080",
  "#f423e8",
  "#464646",
  "#6b8e23",
  "#4682b4",
  "#dc143c",
  "#00008e",
  "#faaa1e",
  "#dcdc00",
  "#98fb98",
  "#46828c",
  "#ff0000",
] as const;

export function defaultColour(index: number): string {
  return DEFAULT_COLOURS[index % DEFAULT_COLOURS.length] ?? "#888888";
}

export function initialProjectForm(): ProjectFormState {
  return {
    name: "",
    classes: [
      { name: "", colour: defaultColour(0) },
      { name: "", colour: defaultColour(1) },
    ],
    selection_method: "ppl",
    objective: "dacs",
    points_per_image: "40",
    pixel_budget_percent: "2.2",
    images_per_round: "20",
  };
}

export type FormErrors = Partial<Record<keyof ProjectFormState | "form", string>> & {
  /** Per class row. */
  classRows?: Record<number, string>;
};

export type ValidationResult = { ok: true; body: ProjectCreate } | { ok: false; errors: FormErrors };

/**
 * The form as a ProjectCreate body. The server checks the values (and its 422 is
 * shown by projectErrors); here only what a body cannot be built from is an error:
 * a number field that holds no number. Duplicate class names are refused here too,
 * as the server does not check them and importing by class name needs them distinct.
 */
export function validateProjectForm(form: ProjectFormState): ValidationResult {
  const errors: FormErrors = {};

  const rows: Record<number, string> = {};
  const seen = new Set<string>();
  form.classes.forEach((c, i) => {
    const n = c.name.trim().toLowerCase();
    if (n !== "" && seen.has(n)) rows[i] = "Duplicate name.";
    seen.add(n);
  });
  if (Object.keys(rows).length > 0) errors.classRows = rows;

  const points = parseNumber(form.points_per_image);
  if (points === null) errors.points_per_image = NOT_A_NUMBER;
  const budget = parseNumber(form.pixel_budget_percent);
  if (budget === null) errors.pixel_budget_percent = NOT_A_NUMBER;
  const images = parseNumber(form.images_per_round);
  if (images === null) errors.images_per_round = NOT_A_NUMBER;

  if (Object.keys(errors).length > 0 || points === null || budget === null || images === null) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    body: {
      name: form.name.trim(),
      classes: form.classes.map((c, i) => ({ id: i, name: c.name.trim(), colour: c.colour.toLowerCase() })),
      selection_method: form.selection_method,
      objective: form.objective,
      points_per_image: points,
      pixel_budget: roundTo(budget / 100, 6),
      images_per_round: images,
    },
  };
}

type ErrorKey = keyof ProjectFormState | `class:${number}`;

/** Where the server's complaint about a ProjectCreate field goes on this form. */
function placeProjectError(loc: Loc): Placement<ErrorKey> | ErrorKey | null {
  const [field, row, part] = loc;
  switch (field) {
    case "name":
    case "selection_method":
    case "objective":
    case "points_per_image":
    case "images_per_round":
      return loc.length === 1 ? field : null;
    case "pixel_budget":
      return loc.length === 1 ? { key: "pixel_budget_percent", scale: 100, unit: " %" } : null;
    case "classes":
      if (typeof row !== "number") return "classes";
      return part === "name" || part === "colour"
        ? { key: `class:${row}`, label: part === "name" ? "Name" : "Colour" }
        : `class:${row}`;
    default:
      return null;
  }
}

/** A failed createProject as form errors: a 422's field errors by field, the rest on top. */
export function projectErrors(err: unknown): FormErrors {
  const placed = placeErrors(err, placeProjectError);
  const errors: FormErrors = { form: placed.form };
  for (const [key, msg] of Object.entries(placed.fields) as [ErrorKey, string][]) {
    if (key.startsWith("class:")) {
      errors.classRows = { ...errors.classRows, [Number(key.slice("class:".length))]: msg };
    } else {
      errors[key as Exclude<ErrorKey, `class:${number}`>] = msg;
    }
  }
  return errors;
}
