import { describe, expect, it } from "vitest";
import { ApiError, type Project } from "../api";
import { MODEL_DEFAULTS, modelSettingsOf, settingsErrors, settingsFromProject, validateSettings } from "./settingsForm";

const project: Project = {
  id: 3,
  name: "p",
  classes: [{ id: 0, name: "a", colour: "#000000" }],
  ignore_index: 255,
  selection_method: "ppl",
  objective: "dacs",
  objective_config: { threshold: 0.968 },
  points_per_image: 40,
  pixel_budget: 0.022,
  images_per_round: 10,
  model_settings: { ...MODEL_DEFAULTS, iterations: 60, image_size: [48, 64] },
  auto_advance_fraction: null,
  schedule_minutes: null,
  max_rounds: null,
  audit_share: 0.05,
  audit_min_points: 20,
  budget_unit: null,
  budget_amount: null,
  pinned_round_id: null,
  created_at: "2025-01-01T00:00:00Z",
};

describe("settings form", () => {
  it("starts from the project and sends nothing when nothing changed", () => {
    const form = settingsFromProject(project);
    expect(form.pixel_budget_percent).toBe("2.2");
    expect(form.iterations).toBe("60");
    expect(form.image_height).toBe("48");
    expect(validateSettings(form, project)).toEqual({ ok: true, body: {} });
  });

  it("sends only the changed fields, the budget as a fraction and the whole model block", () => {
    const form = {
      ...settingsFromProject(project),
      selection_method: "spl" as const,
      pixel_budget_percent: "5",
      iterations: "120",
      objective_config: '{"threshold": 0.9}',
    };
    const r = validateSettings(form, project);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.body.selection_method).toBe("spl");
    expect(r.body.pixel_budget).toBe(0.05);
    expect(r.body.objective_config).toEqual({ threshold: 0.9 });
    expect(r.body.model_settings).toEqual({ ...MODEL_DEFAULTS, iterations: 120, image_size: [48, 64] });
    expect(r.body.points_per_image).toBeUndefined();
  });

  it("turns blank scheduling fields into null (off) and numbers into settings, limits left to the server", () => {
    const on = validateSettings({ ...settingsFromProject(project), auto_advance_percent: "80", schedule_minutes: "30" }, project);
    expect(on).toEqual({ ok: true, body: { auto_advance_fraction: 0.8, schedule_minutes: 30 } });
    const withAuto = { ...project, auto_advance_fraction: 0.8, max_rounds: 5 };
    const form = settingsFromProject(withAuto);
    expect([form.auto_advance_percent, form.max_rounds, form.schedule_minutes]).toEqual(["80", "5", ""]);
    const off = validateSettings({ ...form, auto_advance_percent: " ", max_rounds: "" }, withAuto);
    expect(off).toEqual({ ok: true, body: { auto_advance_fraction: null, max_rounds: null } });
    // No client-side cap: a long schedule and out-of-range values go to the server, which answers 422.
    const sent = validateSettings({ ...form, auto_advance_percent: "150", schedule_minutes: "99999999" }, withAuto);
    expect(sent).toEqual({ ok: true, body: { auto_advance_fraction: 1.5, schedule_minutes: 99_999_999 } });
  });

  it("reads the audit share in percent and the budget, blank or none as null", () => {
    const form = settingsFromProject(project);
    expect([form.audit_share_percent, form.audit_min_points, form.budget_unit, form.budget_amount]).toEqual(["5", "20", "", ""]);
    const r = validateSettings({ ...form, audit_share_percent: "10", audit_min_points: "30", budget_unit: "hours", budget_amount: "2.5" }, project);
    expect(r).toEqual({ ok: true, body: { audit_share: 0.1, audit_min_points: 30, budget_unit: "hours", budget_amount: 2.5 } });
    const budgeted = { ...project, budget_unit: "points" as const, budget_amount: 500 };
    const off = validateSettings({ ...settingsFromProject(budgeted), budget_unit: "", budget_amount: "" }, budgeted);
    expect(off).toEqual({ ok: true, body: { budget_unit: null, budget_amount: null } });
    const bad = validateSettings({ ...form, audit_share_percent: "x" }, project);
    expect(bad).toEqual({ ok: false, errors: { audit_share_percent: "Enter a number." } });
  });

  it("names each field it cannot build the body from", () => {
    const form = {
      ...settingsFromProject(project),
      points_per_image: "0",
      pixel_budget_percent: "",
      lr: "abc",
      batch_size: "2.5",
      image_width: "8",
      objective_config: "[1, 2]",
    };
    const r = validateSettings(form, project);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(["lr", "objective_config", "pixel_budget_percent"]);
  });

  it("fills model settings the project lacks with the server defaults", () => {
    const bare = { ...project, model_settings: { backbone: "nonsense", iterations: "x", output_stride: 4 } } as unknown as Project;
    expect(modelSettingsOf(bare)).toEqual(MODEL_DEFAULTS);
  });
});

describe("settingsErrors", () => {
  it("puts a 422's errors next to their fields, percentages in percent", () => {
    const err = new ApiError(422, [
      { type: "greater_than_equal", loc: ["body", "points_per_image"], msg: "Input should be greater than or equal to 1", ctx: { ge: 1 } },
      { type: "greater_than", loc: ["body", "pixel_budget"], msg: "Input should be greater than 0", ctx: { gt: 0 } },
      { type: "less_than_equal", loc: ["body", "auto_advance_fraction"], msg: "Input should be less than or equal to 1", ctx: { le: 1 } },
      { type: "greater_than_equal", loc: ["body", "schedule_minutes"], msg: "Input should be greater than or equal to 1", ctx: { ge: 1 } },
      { type: "int_from_float", loc: ["body", "model_settings", "batch_size"], msg: "Input should be a valid integer, got a number with a fractional part" },
      { type: "greater_than_equal", loc: ["body", "model_settings", "image_size", 1], msg: "Input should be greater than or equal to 16", ctx: { ge: 16 } },
    ]);
    expect(settingsErrors(err)).toEqual({
      form: "The server did not accept the marked fields.",
      points_per_image: "Input should be greater than or equal to 1",
      pixel_budget_percent: "Input should be greater than 0 %",
      auto_advance_percent: "Input should be less than or equal to 100 %",
      schedule_minutes: "Input should be greater than or equal to 1",
      batch_size: "Input should be a valid integer, got a number with a fractional part",
      image_width: "Input should be greater than or equal to 16",
    });
  });

  it("shows string details and errors without a field at the top of the form", () => {
    expect(settingsErrors(new ApiError(422, "threshold must be in (0, 1]"))).toEqual({ form: "threshold must be in (0, 1]" });
    const extra = new ApiError(422, [{ type: "extra_forbidden", loc: ["body", "model_settings", "dropout"], msg: "Extra inputs are not permitted" }]);
    expect(settingsErrors(extra)).toEqual({ form: "model_settings.dropout: Extra inputs are not permitted" });
    expect(settingsErrors(new Error("offline"))).toEqual({ form: "offline" });
  });

  it("puts the audit and budget errors on their fields, a string detail naming a field on it", () => {
    const err = new ApiError(422, [
      { type: "less_than_equal", loc: ["body", "audit_share"], msg: "Input should be less than or equal to 0.5", ctx: { le: 0.5 } },
      { type: "greater_than_equal", loc: ["body", "audit_min_points"], msg: "Input should be greater than or equal to 0", ctx: { ge: 0 } },
      { type: "enum", loc: ["body", "budget_unit"], msg: "Input should be 'points', 'pixels' or 'hours'" },
      { type: "greater_than", loc: ["body", "budget_amount"], msg: "Input should be greater than 0", ctx: { gt: 0 } },
    ]);
    expect(settingsErrors(err)).toEqual({
      form: "The server did not accept the marked fields.",
      audit_share_percent: "Input should be less than or equal to 50 %",
      audit_min_points: "Input should be greater than or equal to 0",
      budget_unit: "Input should be 'points', 'pixels' or 'hours'",
      budget_amount: "Input should be greater than 0",
    });
    expect(settingsErrors(new ApiError(422, "budget_amount is required with budget_unit"))).toEqual({
      budget_amount: "budget_amount is required with budget_unit",
      form: "The server did not accept the marked fields.",
    });
  });
});
