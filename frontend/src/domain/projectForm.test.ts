import { describe, expect, it } from "vitest";
import { ApiError } from "../api";
import { initialProjectForm, projectErrors, validateProjectForm, type ProjectFormState } from "./projectForm";

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

  it("refuses only what no body can be built from: number fields without a number, duplicate class names", () => {
    const r = validateProjectForm(
      filled({
        classes: [
          { name: "a", colour: "#000000" },
          { name: "A", colour: "#000000" },
          { name: "", colour: "#000000" },
        ],
        points_per_image: "four",
        pixel_budget_percent: " ",
        images_per_round: "Infinity",
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(
      ["classRows", "images_per_round", "pixel_budget_percent", "points_per_image"].sort(),
    );
    expect(r.errors.classRows).toEqual({ 1: "Duplicate name." });
  });

  it("leaves the limits to the server: one class, a blank name, 4.5 points and 150 % go to the API", () => {
    const r = validateProjectForm(
      filled({ name: " ", classes: [{ name: "only", colour: "#111111" }], points_per_image: "4.5", pixel_budget_percent: "150" }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.body).toMatchObject({ name: "", points_per_image: 4.5, pixel_budget: 1.5 });
    expect(r.body.classes).toHaveLength(1);
  });
});

describe("projectErrors", () => {
  it("puts a 422's errors next to their fields and class rows, the budget in percent", () => {
    const err = new ApiError(422, [
      { type: "string_too_short", loc: ["body", "name"], msg: "String should have at least 1 character", ctx: { min_length: 1 } },
      { type: "value_error", loc: ["body", "classes", 1, "colour"], msg: "Value error, colour must look like #rrggbb" },
      { type: "less_than_equal", loc: ["body", "pixel_budget"], msg: "Input should be less than or equal to 1", ctx: { le: 1 } },
      { type: "int_from_float", loc: ["body", "points_per_image"], msg: "Input should be a valid integer" },
      { type: "too_short", loc: ["body", "classes"], msg: "List should have at least 1 item after validation, not 0" },
    ]);
    expect(projectErrors(err)).toEqual({
      form: "The server did not accept the marked fields.",
      name: "String should have at least 1 character",
      classRows: { 1: "Colour: Value error, colour must look like #rrggbb" },
      pixel_budget_percent: "Input should be less than or equal to 100 %",
      points_per_image: "Input should be a valid integer",
      classes: "List should have at least 1 item after validation, not 0",
    });
  });

  it("shows what no field shows at the top of the form", () => {
    const modelLevel = new ApiError(422, [{ type: "value_error", loc: ["body"], msg: "Value error, threshold must be in (0, 1]" }]);
    expect(projectErrors(modelLevel)).toEqual({ form: "Value error, threshold must be in (0, 1]" });
    expect(projectErrors(new ApiError(409, "a project named 'p' exists"))).toEqual({ form: "a project named 'p' exists" });
  });
});
