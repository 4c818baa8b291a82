/** The "new project" form: editable state, defaults and validation into a ProjectCreate body. */

import {
  OBJECTIVES,
  SELECTION_METHODS,
  type Objective,
  type ProjectCreate,
  type SelectionMethod,
} from "./api";

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

const COLOUR_RE = /^#[0-9a-fA-F]{6}$/;

export function validateProjectForm(form: ProjectFormState): ValidationResult {
  const errors: FormErrors = {};
  const name = form.name.trim();
  if (name === "") errors.name = "Give the project a name.";

  const rows: Record<number, string> = {};
  const seen = new Set<string>();
  form.classes.forEach((c, i) => {
    const n = c.name.trim();
    if (n === "") rows[i] = "Name required.";
    else if (seen.has(n.toLowerCase())) rows[i] = "Duplicate name.";
    else if (!COLOUR_RE.test(c.colour)) rows[i] = "Colour must be #rrggbb.";
    seen.add(n.toLowerCase());
  });
  if (Object.keys(rows).length > 0) errors.classRows = rows;
  if (form.classes.length < 2) errors.classes = "At least two classes.";
  if (form.classes.length > 255) errors.classes = "At most 255 classes (255 is the ignore index).";

  if (!(SELECTION_METHODS as readonly string[]).includes(form.selection_method)) {
    errors.selection_method = "Unknown method.";
  }
  if (!(OBJECTIVES as readonly string[]).includes(form.objective)) errors.objective = "Unknown objective.";

  const points = parseIntStrict(form.points_per_image);
  if (points === null || points < 1 || points > 10000) errors.points_per_image = "A whole number, 1–10000.";
  const budget = Number(form.pixel_budget_percent.trim());
  if (form.pixel_budget_percent.trim() === "" || !Number.isFinite(budget) || budget <= 0 || budget > 100) {
    errors.pixel_budget_percent = "A percentage above 0 and at most 100.";
  }
  const images = parseIntStrict(form.images_per_round);
  if (images === null || images < 1) errors.images_per_round = "A whole number, at least 1.";

  if (Object.keys(errors).length > 0 || points === null || images === null) return { ok: false, errors };
  return {
    ok: true,
    body: {
      name,
      classes: form.classes.map((c, i) => ({ id: i, name: c.name.trim(), colour: c.colour.toLowerCase() })),
      selection_method: form.selection_method,
      objective: form.objective,
      points_per_image: points,
      pixel_budget: roundTo(budget / 100, 6),
      images_per_round: images,
    },
  };
}

function parseIntStrict(s: string): number | null {
  const t = s.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function roundTo(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
