import { describe, expect, it } from "vitest";
import { allOf, BACKBONES, isOneOf, MODEL_DEFAULTS, OPTIMIZERS, OUTPUT_STRIDES, SELECTION_METHODS } from ".";

/** Stands for a generated union. */
type Abc = "a" | "b" | "c";

describe("schema-derived lists", () => {
  it("hold the schema's values in the UI's order", () => {
    expect(SELECTION_METHODS[0]).toBe("ppl");
    expect(OPTIMIZERS).toEqual(["adamw", "sgd"]);
    expect(OUTPUT_STRIDES).toEqual([16, 8]);
    expect(BACKBONES).toContain(MODEL_DEFAULTS.backbone);
  });

  it("fail typecheck unless they are exactly the generated union", () => {
    // @ts-expect-error "c" is missing: a value the backend adds must be listed
    allOf<Abc>()(["a", "b"]);
    // @ts-expect-error "d" is not a value of the union
    allOf<Abc>()(["a", "b", "c", "d"]);
    expect(allOf<Abc>()(["c", "a", "b"])).toEqual(["c", "a", "b"]);
  });

  it("check values from the outside", () => {
    expect(isOneOf(OPTIMIZERS, "sgd")).toBe(true);
    expect(isOneOf(OPTIMIZERS, "adam")).toBe(false);
    expect(isOneOf(OUTPUT_STRIDES, "16")).toBe(false);
  });
});

describe("MODEL_DEFAULTS", () => {
  it("are the schema's ModelSettings defaults", () => {
    expect(MODEL_DEFAULTS).toMatchObject({ backbone: "efficientnet_lite0", optimizer: "adamw", image_size: [192, 256] });
  });
});
