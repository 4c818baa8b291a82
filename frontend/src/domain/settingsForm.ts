/**
 * The project settings form (PATCH /projects/{id}): editable strings for every
 * setting, read into a ProjectUpdate holding only what changed. The server
 * checks the values; its 422 goes on the fields through settingsErrors.
 */

import {
  BACKBONES,
  BUDGET_UNITS,
  isOneOf,
  MODEL_DEFAULTS,
  OPTIMIZERS,
  OUTPUT_STRIDES,
  SELECTOR_TRAINING,
  type Backbone,
  type BudgetUnit,
  type ModelSettings,
  type Objective,
  type Optimizer,
  type Project,
  type ProjectUpdate,
  type SelectionMethod,
  type SelectorTraining,
} from "../api";
import { NOT_A_NUMBER, parseNumber, placeErrors, roundTo, SEE_FIELDS, type Loc, type Placement } from "./forms";

export { MODEL_DEFAULTS };

export interface SettingsFormState {
  selection_method: SelectionMethod;
  objective: Objective;
  /** JSON object text. */
  objective_config: string;
  points_per_image: string;
  pixel_budget_percent: string;
  images_per_round: string;
  /** Blank = off. */
  auto_advance_percent: string;
  schedule_minutes: string;
  max_rounds: string;
  /** Percent of each round's points drawn as audit points. */
  audit_share_percent: string;
  audit_min_points: string;
  /** "": no budget. */
  budget_unit: BudgetUnit | "";
  /** Blank: none (only with no unit). */
  budget_amount: string;
  backbone: Backbone;
  pretrained: boolean;
  output_stride: string;
  optimizer: Optimizer;
  iterations: string;
  finetune_iterations: string;
  selector_iterations: string;
  selector_training: SelectorTraining;
  batch_size: string;
  lr: string;
  image_height: string;
  image_width: string;
  adversarial_weight: string;
  checkpoint_every: string;
  seed: string;
}

export type SettingsErrors = Partial<Record<keyof SettingsFormState | "form", string>>;

/** A project's model settings, each one the server's default where the project lacks it. */
export function modelSettingsOf(project: Project): ModelSettings {
  const m = project.model_settings;
  const raw: unknown = m.image_size;
  const size: readonly unknown[] = Array.isArray(raw) && raw.length === 2 ? raw : MODEL_DEFAULTS.image_size;
  return {
    backbone: oneOf(BACKBONES, m.backbone, MODEL_DEFAULTS.backbone),
    pretrained: typeof m.pretrained === "boolean" ? m.pretrained : MODEL_DEFAULTS.pretrained,
    output_stride: oneOf(OUTPUT_STRIDES, m.output_stride, MODEL_DEFAULTS.output_stride),
    optimizer: oneOf(OPTIMIZERS, m.optimizer, MODEL_DEFAULTS.optimizer),
    iterations: num(m.iterations, MODEL_DEFAULTS.iterations),
    finetune_iterations: num(m.finetune_iterations, MODEL_DEFAULTS.finetune_iterations),
    selector_iterations: num(m.selector_iterations, MODEL_DEFAULTS.selector_iterations),
    selector_training: oneOf(SELECTOR_TRAINING, m.selector_training, MODEL_DEFAULTS.selector_training),
    batch_size: num(m.batch_size, MODEL_DEFAULTS.batch_size),
    lr: num(m.lr, MODEL_DEFAULTS.lr),
    image_size: [num(size[0], MODEL_DEFAULTS.image_size[0]), num(size[1], MODEL_DEFAULTS.image_size[1])],
    adversarial_weight: num(m.adversarial_weight, MODEL_DEFAULTS.adversarial_weight),
    checkpoint_every: num(m.checkpoint_every, MODEL_DEFAULTS.checkpoint_every),
    seed: num(m.seed, MODEL_DEFAULTS.seed),
  };
}

function optional(v: number | null | undefined, show: (v: number) => string): string {
  return typeof v === "number" && Number.isFinite(v) ? show(v) : "";
}

function oneOf<T extends string | number>(choices: readonly T[], v: unknown, fallback: T): T {
  return isOneOf(choices, v) ? v : fallback;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

export function settingsFromProject(project: Project): SettingsFormState {
  const m = modelSettingsOf(project);
  return {
    selection_method: project.selection_method,
    objective: project.objective,
    objective_config: JSON.stringify(project.objective_config, null, 2),
    points_per_image: String(project.points_per_image),
    pixel_budget_percent: String(roundTo(project.pixel_budget * 100, 6)),
    images_per_round: String(project.images_per_round),
    auto_advance_percent: optional(project.auto_advance_fraction, (v) => String(roundTo(v * 100, 6))),
    schedule_minutes: optional(project.schedule_minutes, String),
    max_rounds: optional(project.max_rounds, String),
    audit_share_percent: String(roundTo(project.audit_share * 100, 6)),
    audit_min_points: String(project.audit_min_points),
    budget_unit: isOneOf(BUDGET_UNITS, project.budget_unit) ? project.budget_unit : "",
    budget_amount: optional(project.budget_amount, String),
    backbone: m.backbone,
    pretrained: m.pretrained,
    output_stride: String(m.output_stride),
    optimizer: m.optimizer,
    iterations: String(m.iterations),
    finetune_iterations: String(m.finetune_iterations),
    selector_iterations: String(m.selector_iterations),
    selector_training: m.selector_training,
    batch_size: String(m.batch_size),
    lr: String(m.lr),
    image_height: String(m.image_size[0]),
    image_width: String(m.image_size[1]),
    adversarial_weight: String(m.adversarial_weight),
    checkpoint_every: String(m.checkpoint_every),
    seed: String(m.seed),
  };
}

export type SettingsResult = { ok: true; body: ProjectUpdate } | { ok: false; errors: SettingsErrors };

/**
 * The form as a PATCH body holding only what changed. Only what a body cannot be
 * built from is an error here (a number field without a number, options that are
 * not a JSON object); the server checks the values and settingsErrors shows its 422.
 */
export function validateSettings(form: SettingsFormState, project: Project): SettingsResult {
  const errors: SettingsErrors = {};
  const number = (key: keyof SettingsFormState): number => {
    const v = parseNumber(String(form[key]));
    if (v === null) errors[key] = NOT_A_NUMBER;
    return v ?? 0;
  };
  /** Blank: the setting is off (null). */
  const numberOrOff = (key: keyof SettingsFormState): number | null =>
    String(form[key]).trim() === "" ? null : number(key);

  let objectiveConfig: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(form.objective_config.trim() === "" ? "{}" : form.objective_config);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    objectiveConfig = parsed as Record<string, unknown>;
  } catch {
    errors.objective_config = 'A JSON object, e.g. {"threshold": 0.968}.';
  }

  const points = number("points_per_image");
  const budget = number("pixel_budget_percent");
  const images = number("images_per_round");
  const autoPercent = numberOrOff("auto_advance_percent");
  const autoAdvance = autoPercent === null ? null : roundTo(autoPercent / 100, 8);
  const schedule = numberOrOff("schedule_minutes");
  const maxRounds = numberOrOff("max_rounds");
  const auditShare = roundTo(number("audit_share_percent") / 100, 8);
  const auditMin = number("audit_min_points");
  const budgetUnit = form.budget_unit === "" ? null : form.budget_unit;
  const budgetAmount = numberOrOff("budget_amount");
  const model: ModelSettings = {
    backbone: form.backbone,
    pretrained: form.pretrained,
    output_stride: form.output_stride === "8" ? 8 : 16,
    optimizer: form.optimizer,
    iterations: number("iterations"),
    finetune_iterations: number("finetune_iterations"),
    selector_iterations: number("selector_iterations"),
    selector_training: form.selector_training,
    batch_size: number("batch_size"),
    lr: number("lr"),
    image_size: [number("image_height"), number("image_width")],
    adversarial_weight: number("adversarial_weight"),
    checkpoint_every: number("checkpoint_every"),
    seed: number("seed"),
  };
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const body: ProjectUpdate = {};
  if (form.selection_method !== project.selection_method) body.selection_method = form.selection_method;
  if (form.objective !== project.objective) body.objective = form.objective;
  if (JSON.stringify(objectiveConfig) !== JSON.stringify(project.objective_config)) body.objective_config = objectiveConfig;
  if (points !== project.points_per_image) body.points_per_image = points;
  const fraction = roundTo(budget / 100, 8);
  if (Math.abs(fraction - project.pixel_budget) > 1e-9) body.pixel_budget = fraction;
  if (images !== project.images_per_round) body.images_per_round = images;
  if (autoAdvance !== project.auto_advance_fraction) body.auto_advance_fraction = autoAdvance;
  if (schedule !== project.schedule_minutes) body.schedule_minutes = schedule;
  if (maxRounds !== project.max_rounds) body.max_rounds = maxRounds;
  if (Math.abs(auditShare - project.audit_share) > 1e-9) body.audit_share = auditShare;
  if (auditMin !== project.audit_min_points) body.audit_min_points = auditMin;
  if (budgetUnit !== project.budget_unit) body.budget_unit = budgetUnit;
  if (budgetAmount !== project.budget_amount) body.budget_amount = budgetAmount;
  if (JSON.stringify(model) !== JSON.stringify(modelSettingsOf(project))) body.model_settings = model;
  return { ok: true, body };
}

/** The form field of each ModelSettings field that has one of its own. */
const MODEL_FIELDS = {
  backbone: "backbone",
  pretrained: "pretrained",
  output_stride: "output_stride",
  optimizer: "optimizer",
  iterations: "iterations",
  finetune_iterations: "finetune_iterations",
  selector_iterations: "selector_iterations",
  selector_training: "selector_training",
  batch_size: "batch_size",
  lr: "lr",
  image_size: null,
  adversarial_weight: "adversarial_weight",
  checkpoint_every: "checkpoint_every",
  seed: "seed",
} as const satisfies Record<keyof ModelSettings, keyof SettingsFormState | null>;

type Key = keyof SettingsFormState;
const PERCENT = { scale: 100, unit: " %" } as const;

/** Where the server's complaint about a ProjectUpdate field goes on this form. */
function placeSettingsError(loc: Loc): Placement<Key> | Key | null {
  const [field, sub, index] = loc;
  switch (field) {
    case "selection_method":
    case "objective":
    case "objective_config":
    case "points_per_image":
    case "images_per_round":
    case "schedule_minutes":
    case "max_rounds":
    case "audit_min_points":
    case "budget_unit":
    case "budget_amount":
      return field;
    case "audit_share":
      return { key: "audit_share_percent", ...PERCENT };
    case "pixel_budget":
      return { key: "pixel_budget_percent", ...PERCENT };
    case "auto_advance_fraction":
      return { key: "auto_advance_percent", ...PERCENT };
    case "model_settings":
      if (sub === "image_size") return index === 0 ? "image_height" : index === 1 ? "image_width" : null;
      return typeof sub === "string" && sub in MODEL_FIELDS ? MODEL_FIELDS[sub as keyof ModelSettings] : null;
    default:
      return null;
  }
}

/** A failed updateProject as form errors: a 422's field errors by field, the rest on top. */
export function settingsErrors(err: unknown): SettingsErrors {
  const placed = placeErrors(err, placeSettingsError);
  // A string detail that starts with a field's name ("budget_amount is required with
  // budget_unit") goes on that field too.
  const named = /^([a-z_]+) /.exec(placed.form)?.[1];
  const found = Object.keys(placed.fields).length === 0 && named !== undefined ? placeSettingsError([named]) : null;
  if (found !== null) {
    const key = typeof found === "string" ? found : found.key;
    return { [key]: placed.form, form: SEE_FIELDS };
  }
  return { ...placed.fields, form: placed.form };
}
