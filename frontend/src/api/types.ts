/**
 * The API's bodies under the names the app uses, taken from the generated
 * OpenAPI types (schema.gen.ts; regenerate with `make gen-api`). Nothing here
 * restates a field: a type is a schema type as it is, or one whose fields with
 * server defaults are made required where the app always has them.
 */

import { SCHEMA_DEFAULTS } from "./defaults.gen";
import type { components } from "./schema.gen";

export type Schemas = components["schemas"];

/**
 * `T` with fields the schema leaves optional because they have a server default made required:
 * a response always carries them, and some bodies the app always sends whole.
 */
export type WithRequired<T, K extends keyof T> = Omit<T, K> & Required<Pick<T, K>>;

/**
 * The members of a generated union as an array in the UI's order: `values` as given, and a
 * type error unless they are exactly every member of `T` (a value the backend adds fails here).
 */
export const allOf =
  <T extends string | number>() =>
  <const A extends readonly T[]>(
    values: A & ([Exclude<T, A[number]>] extends [never] ? unknown : { missing: Exclude<T, A[number]> }),
  ): A =>
    values;

// --- enums -----------------------------------------------------------------------------------

export type SelectionMethod = NonNullable<Schemas["ProjectCreate"]["selection_method"]>;
export type Objective = NonNullable<Schemas["ProjectCreate"]["objective"]>;
export type Backbone = NonNullable<Schemas["ModelSettings"]["backbone"]>;
export type Optimizer = NonNullable<Schemas["ModelSettings"]["optimizer"]>;
export type SelectorTraining = NonNullable<Schemas["ModelSettings"]["selector_training"]>;
export type OutputStride = NonNullable<Schemas["ModelSettings"]["output_stride"]>;
export type DatasetFormat = NonNullable<Schemas["FolderImport"]["format"]>;
export type DatasetKind = Schemas["DatasetKind"];
export type Role = NonNullable<Schemas["UserCreate"]["role"]>;
export type ExportWhat = NonNullable<Schemas["ExportRequest"]["what"]>;
export type ExportStatus = Schemas["ExportJobOut"]["status"];

export const SELECTION_METHODS = allOf<SelectionMethod>()([
  "ppl",
  "ppl_spread",
  "spl",
  "spl_spread",
  "spl_plus_random",
  "spl_plus_balanced",
  "random",
  "random_mask",
  "random_segments",
  "entropy",
  "margin",
  "ripu_region",
  "ripu_pixel",
]);
export const OBJECTIVES = allOf<Objective>()(["none", "dacs", "proda", "daso"]);
export const BACKBONES = allOf<Backbone>()([
  "efficientnet_lite0",
  "efficientnet_lite1",
  "efficientnet_lite2",
  "mobilenet_v3_small",
  "mobilenet_v3_large",
  "resnet18",
  "resnet50",
  "resnet101",
]);
export const OPTIMIZERS = allOf<Optimizer>()(["adamw", "sgd"]);
export const SELECTOR_TRAINING = allOf<SelectorTraining>()(["heads", "all"]);
export const OUTPUT_STRIDES = allOf<OutputStride>()([16, 8]);
export const DATASET_FORMATS = allOf<DatasetFormat>()([
  "generic",
  "palette",
  "cityscapes",
  "gta5",
  "camvid",
  "coco",
  "labelstudio",
]);
export const DATASET_KINDS = allOf<DatasetKind>()(["source", "target_pool", "target_val"]);

/** Whether `v` is one of `choices` (a string from a select, a stored setting). */
export function isOneOf<T extends string | number>(choices: readonly T[], v: unknown): v is T {
  return (choices as readonly unknown[]).includes(v);
}

// --- users -----------------------------------------------------------------------------------

export type User = Schemas["UserOut"];
export type UserCreate = Schemas["UserCreate"];
export type TokenResponse = WithRequired<Schemas["Token"], "token_type">;

// --- projects --------------------------------------------------------------------------------

export type ProjectClass = Schemas["ClassDef"];
/** Every model setting, as the server fills them in (the schema's are optional: defaults). */
export type ModelSettings = Required<Schemas["ModelSettings"]>;
/** The server's defaults for every model setting (the schema's field defaults). */
export const MODEL_DEFAULTS: ModelSettings = {
  ...SCHEMA_DEFAULTS.ModelSettings,
  image_size: [...SCHEMA_DEFAULTS.ModelSettings.image_size],
};
export type ProjectCreate = Schemas["ProjectCreate"];
/** PATCH /projects/{id}: only the fields that change. */
export type ProjectUpdate = Schemas["ProjectUpdate"];
export type Project = Schemas["ProjectOut"];

// --- datasets and exports --------------------------------------------------------------------

/** status: "ready", "importing" (background import; report.progress 0..1) or "failed". */
export type Dataset = Schemas["DatasetOut"];
export type FolderImport = Schemas["FolderImport"];
export type ImageInfo = Schemas["ImageOut"];
export type ExportRequest = WithRequired<Schemas["ExportRequest"], "what">;
export type ExportJob = WithRequired<Schemas["ExportJobOut"], "progress" | "error" | "download_url">;
/** What POST /exports gives back: the file itself (labels) or a job to poll (predictions, model). */
export type ExportResult = { kind: "file"; blob: Blob; filename: string } | { kind: "job"; job: ExportJob };

// --- rounds ----------------------------------------------------------------------------------

export type RoundStatus = Schemas["RoundStatus"];
export type RoundMetrics = Schemas["RoundMetrics"];
export type Round = Schemas["RoundOut"];
export type AnnotatorStat = Schemas["AnnotatorStat"];
/** A round's model estimated from audit points (RoundOut.audit). */
export type RoundAudit = Schemas["RoundAudit"];
export type CurrentModel = Schemas["CurrentModelOut"];
export type CurrentModelReason = CurrentModel["reason"];

// --- ledger and budget -----------------------------------------------------------------------

export type BudgetUnit = Schemas["BudgetUnit"];
export const BUDGET_UNITS = allOf<BudgetUnit>()(["points", "pixels", "hours"]);
export type Budget = Schemas["BudgetOut"];
export type Ledger = Schemas["LedgerOut"];
export type LedgerRow = Schemas["LedgerRow"];
export type LedgerCounts = Schemas["LedgerCounts"];

// --- tasks -----------------------------------------------------------------------------------

export type TaskKind = Schemas["TaskKind"];
export type TaskStatus = Schemas["TaskStatus"];
export type Point = Schemas["Point"];
export type Task = Schemas["TaskOut"];
export type PixelLabel = Schemas["PointLabel"];
/** What the app submits: always with its labels and time. */
export type SubmitBody = WithRequired<Schemas["Submission"], "labels" | "seconds_spent">;
/** What the app autosaves (and reads back from Task.draft): always whole. */
export type DraftBody = WithRequired<Schemas["Draft"], "labels" | "seconds_spent" | "current_point">;
export type SkipBody = Schemas["Skip"];
export type SubmitResult = Schemas["AnnotationOut"];

// --- errors ----------------------------------------------------------------------------------

/** One entry of a 422's `detail` list. */
export type ValidationIssue = Schemas["ValidationError"];
