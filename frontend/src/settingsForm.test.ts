import { describe, expect, it } from "vitest";
import type { Project } from "./api";
import { MODEL_DEFAULTS, modelSettingsOf, settingsFromProject, validateSettings } from "./settingsForm";

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

  it("turns blank scheduling fields into null (off) and numbers into settings", () => {
    const on = validateSettings({ ...settingsFromProject(project), auto_advance_percent: "80", schedule_minutes: "30" }, project);
    expect(on).toEqual({ ok: true, body: { auto_advance_fraction: 0.8, schedule_minutes: 30 } });
    const withAuto = { ...project, auto_advance_fraction: 0.8, max_rounds: 5 };
    const form = settingsFromProject(withAuto);
    expect([form.auto_advance_percent, form.max_rounds, form.schedule_minutes]).toEqual(["80", "5", ""]);
    const off = validateSettings({ ...form, auto_advance_percent: " ", max_rounds: "" }, withAuto);
    expect(off).toEqual({ ok: true, body: { auto_advance_fraction: null, max_rounds: null } });
    const bad = validateSettings({ ...form, auto_advance_percent: "150", schedule_minutes: "0" }, withAuto);
    expect(bad.ok ? [] : Object.keys(bad.errors).sort()).toEqual(["auto_advance_percent", "schedule_minutes"]);
  });

  it("names each invalid field", () => {
    const form = {
      ...settingsFromProject(project),
      points_per_image: "0",
      pixel_budget_percent: "0",
      lr: "abc",
      batch_size: "2.5",
      image_width: "8",
      objective_config: "[1, 2]",
    };
    const r = validateSettings(form, project);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(
      ["batch_size", "image_width", "lr", "objective_config", "pixel_budget_percent", "points_per_image"].sort(),
    );
  });

  it("fills model settings the project lacks with the server defaults", () => {
    const bare = { ...project, model_settings: { backbone: "nonsense", iterations: "x" } } as unknown as Project;
    expect(modelSettingsOf(bare)).toEqual(MODEL_DEFAULTS);
  });
});
