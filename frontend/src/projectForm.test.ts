import { describe, expect, it } from "vitest";
import { initialProjectForm, validateProjectForm, type ProjectFormState } from "./projectForm";

function filled(over: Partial<ProjectFormState> = {}): ProjectFormState {
  return {
    ...initialProjectForm(),
    name: "  CamVid → IDD ",
    classes: [
      { name: "road", colour: "#804080" },
      { name: "Sky", colour: "#4682B4" },
    ],
    ...over,
  };
}

describe("validateProjectForm", () => {
  it("builds the API body with ids in order, a fraction budget and trimmed names", () => {
    const r = validateProjectForm(filled());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.body).toEqual({
      name: "CamVid → IDD",
      classes: [
        { id: 0, name: "road", colour: "#804080" },
        { id: 1, name: "Sky", colour: "#4682b4" },
      ],
      selection_method: "ppl",
      objective: "dacs",
      points_per_image: 40,
      pixel_budget: 0.022,
      images_per_round: 20,
    });
  });

  it("reports every problem", () => {
    const r = validateProjectForm(
      filled({
        name: " ",
        classes: [
          { name: "a", colour: "#000000" },
          { name: "A", colour: "#000000" },
          { name: "", colour: "#000000" },
          { name: "b", colour: "red" },
        ],
        points_per_image: "4.5",
        pixel_budget_percent: "0",
        images_per_round: "",
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(
      ["classRows", "images_per_round", "name", "pixel_budget_percent", "points_per_image"].sort(),
    );
    expect(r.errors.classRows).toEqual({ 1: "Duplicate name.", 2: "Name required.", 3: "Colour must be #rrggbb." });
  });

  it("needs at least two classes", () => {
    const r = validateProjectForm(filled({ classes: [{ name: "only", colour: "#111111" }] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.classes).toBeDefined();
  });

  it("rejects a budget above 100 %", () => {
    const r = validateProjectForm(filled({ pixel_budget_percent: "150" }));
    expect(r.ok).toBe(false);
  });
});
