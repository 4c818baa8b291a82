/**
 * The project settings form (PATCH /projects/{id}): editable strings for every
 * setting, validated into a ProjectUpdate holding only what changed.
 */

import {
  BACKBONES,
  OBJECTIVES,
  SELECTION_METHODS,
  type Backbone,
  type ModelSettings,
  type Objective,
  type Optimizer,
  type Project,
  type ProjectUpdate,
  type SelectionMethod,
  type SelectorTraining,
  OPTIMIZERS,
  SELECTOR_TRAINING,
} from "./api";

/** The server's defaults (backend/schemas.py ModelSettings), for settings a project does not carry. */
export const MODEL_DEFAULTS: ModelSettings = {
  backbone: "efficientnet_lite0",
  pretrained: true,
  output_stride: 16,
  optimizer: "adamw",
  iterations: 600,
  finetune_iterations: 150,
  selector_iterations: 100,
  selector_training: "heads",
  batch_size: 4,
  lr: 0.001,
  image_size: [192, 256],
  adversarial_weight: 0,
  checkpoint_every: 50,
  seed: 0,
};

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

export function modelSettingsOf(project: Project): ModelSettings {
  const m = project.model_settings;
  const raw: unknown = m.image_size;
  const size: readonly unknown[] = Array.isArray(raw) && raw.length === 2 ? raw : MODEL_DEFAULTS.image_size;
  return {
    backbone: (BACKBONES as readonly string[]).includes(String(m.backbone)) ? (m.backbone as Backbone) : MODEL_DEFAULTS.backbone,
    pretrained: typeof m.pretrained === "boolean" ? m.pretrained : MODEL_DEFAULTS.pretrained,
    output_stride: num(m.output_stride, MODEL_DEFAULTS.output_stride),
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

function oneOf<T extends string>(choices: readonly T[], v: unknown, fallback: T): T {
  return choices.find((c) => c === v) ?? fallback;
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

export function validateSettings(form: SettingsFormState, project: Project): SettingsResult {
  const errors: SettingsErrors = {};
  const int = (key: keyof SettingsFormState, lo: number, hi: number): number => {
    const raw = String(form[key]).trim();
    const v = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(v) || v < lo || v > hi) {
      errors[key] = `A whole number, ${lo}–${hi}.`;
      return 0;
    }
    return v;
  };
  const real = (key: keyof SettingsFormState, lo: number, hi: number, loOpen: boolean): number => {
    const raw = String(form[key]).trim();
    const v = raw === "" ? NaN : Number(raw);
    if (!Number.isFinite(v) || v > hi || (loOpen ? v <= lo : v < lo)) {
      errors[key] = `A number ${loOpen ? "above" : "from"} ${lo} to ${hi}.`;
      return 0;
    }
    return v;
  };

  if (!(SELECTION_METHODS as readonly string[]).includes(form.selection_method)) errors.selection_method = "Unknown method.";
  if (!(OBJECTIVES as readonly string[]).includes(form.objective)) errors.objective = "Unknown objective.";
  if (!(BACKBONES as readonly string[]).includes(form.backbone)) errors.backbone = "Unknown backbone.";

  let objectiveConfig: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(form.objective_config.trim() === "" ? "{}" : form.objective_config);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    objectiveConfig = parsed as Record<string, unknown>;
  } catch {
    errors.objective_config = 'A JSON object, e.g. {"threshold": 0.968}.';
  }

  const points = int("points_per_image", 1, 10_000);
  const budget = real("pixel_budget_percent", 0, 100, true);
  const images = int("images_per_round", 1, 100_000);
  const blank = (key: keyof SettingsFormState): boolean => String(form[key]).trim() === "";
  const autoAdvance = blank("auto_advance_percent") ? null : roundTo(real("auto_advance_percent", 0, 100, true) / 100, 8);
  const schedule = blank("schedule_minutes") ? null : int("schedule_minutes", 1, 10_000_000);
  const maxRounds = blank("max_rounds") ? null : int("max_rounds", 1, 1_000_000);
  const model: ModelSettings = {
    backbone: form.backbone,
    pretrained: form.pretrained,
    output_stride: form.output_stride === "8" ? 8 : 16,
    optimizer: form.optimizer,
    iterations: int("iterations", 1, 1_000_000),
    finetune_iterations: int("finetune_iterations", 1, 1_000_000),
    selector_iterations: int("selector_iterations", 1, 1_000_000),
    selector_training: form.selector_training,
    batch_size: int("batch_size", 1, 256),
    lr: real("lr", 0, 1, true),
    image_size: [int("image_height", 16, 4096), int("image_width", 16, 4096)],
    adversarial_weight: real("adversarial_weight", 0, 10, false),
    checkpoint_every: int("checkpoint_every", 1, 1_000_000),
    seed: int("seed", -2_147_483_648, 2_147_483_647),
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
  if (autoAdvance !== (project.auto_advance_fraction ?? null)) body.auto_advance_fraction = autoAdvance;
  if (schedule !== (project.schedule_minutes ?? null)) body.schedule_minutes = schedule;
  if (maxRounds !== (project.max_rounds ?? null)) body.max_rounds = maxRounds;
  if (JSON.stringify(model) !== JSON.stringify(modelSettingsOf(project))) body.model_settings = model;
  return { ok: true, body };
}

function roundTo(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
