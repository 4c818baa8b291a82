import { useState } from "preact/hooks";
import {
  BACKBONES,
  BUDGET_UNITS,
  OBJECTIVES,
  OPTIMIZERS,
  SELECTION_METHODS,
  SELECTOR_TRAINING,
  type Backbone,
  type BudgetUnit,
  type Objective,
  type Project,
  type SelectionMethod,
} from "../api";
import { useApp } from "../state/context";
import { isRegionMethod, methodName, objectiveName } from "../domain/format";
import {
  settingsErrors,
  settingsFromProject,
  validateSettings,
  type SettingsErrors,
  type SettingsFormState,
} from "../domain/settingsForm";

type Field = keyof SettingsFormState;

const BUDGET_UNIT_NAMES: Record<BudgetUnit, string> = {
  points: "Labelled points",
  pixels: "Labelled pixels",
  hours: "Annotator hours",
};

/** Project settings (PATCH): they apply from the next round on. */
export function SettingsPanel({ project, onUpdated }: { project: Project; onUpdated: (p: Project) => void }) {
  const { api } = useApp();
  const [form, setForm] = useState<SettingsFormState>(() => settingsFromProject(project));
  const [errors, setErrors] = useState<SettingsErrors>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  const set = <K extends Field>(key: K, value: SettingsFormState[K]): void => {
    setForm((f) => ({ ...f, [key]: value }));
    setSaved(null);
  };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const r = validateSettings(form, project);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    if (Object.keys(r.body).length === 0) {
      setSaved("Nothing changed.");
      return;
    }
    setBusy(true);
    try {
      const updated = await api.updateProject(project.id, r.body);
      onUpdated(updated);
      setForm(settingsFromProject(updated));
      setSaved(`Saved ${Object.keys(r.body).length} setting${Object.keys(r.body).length === 1 ? "" : "s"} — they apply from the next round.`);
    } catch (err) {
      setErrors(settingsErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (key: Field) => errors[key] && <span class="field-error">{errors[key]}</span>;
  const text = (key: Field, label: string, hint?: string, mode: "numeric" | "decimal" = "numeric") => (
    <label class="field">
      <span class="field-label">{label}</span>
      <input inputMode={mode} value={String(form[key])} onInput={(e) => set(key, e.currentTarget.value)} data-testid={`setting-${key}`} />
      {hint && !errors[key] && <span class="field-hint">{hint}</span>}
      {fieldError(key)}
    </label>
  );
  /** A select over a fixed set of values, each shown with its label. */
  const choice = <K extends "optimizer" | "selector_training">(
    key: K,
    label: string,
    values: readonly SettingsFormState[K][],
    labels: Record<SettingsFormState[K], string>,
  ) => (
    <label class="field">
      <span class="field-label">{label}</span>
      <select value={form[key]} onChange={(e) => set(key, e.currentTarget.value as SettingsFormState[K])}>
        {values.map((v) => (
          <option key={v} value={v}>
            {labels[v]}
          </option>
        ))}
      </select>
      {fieldError(key)}
    </label>
  );
  const points = !isRegionMethod(form.selection_method);

  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate data-testid="settings-form">
      <div class="card-head">
        <h2>Settings</h2>
        <span class="muted small">a running round keeps the settings it started with</span>
      </div>
      <div class="form-body">
        <h3 class="form-section">Selection</h3>
        <div class="grid-3">
          <label class="field">
            <span class="field-label">Selection method</span>
            <select value={form.selection_method} onChange={(e) => set("selection_method", e.currentTarget.value as SelectionMethod)} data-testid="setting-selection_method">
              {SELECTION_METHODS.map((m) => (
                <option key={m} value={m}>
                  {methodName(m)}
                </option>
              ))}
            </select>
            {fieldError("selection_method")}
          </label>
          <div class={points ? "" : "field-dim"}>{text("points_per_image", "Points per image", "point methods (PPL, random, entropy…)")}</div>
          <div class={points ? "field-dim" : ""}>{text("pixel_budget_percent", "Pixel budget (% of each image)", "region methods (SPL, RIPU region)", "decimal")}</div>
          {text("images_per_round", "Images per round")}
          {text("auto_advance_percent", "Auto-launch at (% of tasks labelled)", "blank: launch rounds by hand", "decimal")}
          {text("schedule_minutes", "Or every (minutes)", "blank: no schedule")}
          {text("max_rounds", "Auto-launch no more than (rounds)", "counts every round; blank: no limit")}
        </div>

        <h3 class="form-section">Audit and budget</h3>
        <div class="grid-3">
          {text("audit_share_percent", "Audit points (% of each round's points)", "uniform random pixels that only measure the model; 0–50 %", "decimal")}
          {text("audit_min_points", "Audit points per round, at least", "0 with a share of 0: no audit")}
          <label class="field">
            <span class="field-label">Labelling budget counts</span>
            <select value={form.budget_unit} onChange={(e) => set("budget_unit", e.currentTarget.value as SettingsFormState["budget_unit"])} data-testid="setting-budget_unit">
              <option value="">No budget</option>
              {BUDGET_UNITS.map((u) => (
                <option key={u} value={u}>
                  {BUDGET_UNIT_NAMES[u]}
                </option>
              ))}
            </select>
            {fieldError("budget_unit")}
          </label>
          {text("budget_amount", "Budget amount", "once spent, no round is launched; blank with no budget", "decimal")}
        </div>

        <h3 class="form-section">Adaptation objective</h3>
        <div class="grid-3">
          <label class="field">
            <span class="field-label">Self-training objective</span>
            <select value={form.objective} onChange={(e) => set("objective", e.currentTarget.value as Objective)} data-testid="setting-objective">
              {OBJECTIVES.map((o) => (
                <option key={o} value={o}>
                  {objectiveName(o)}
                </option>
              ))}
            </select>
            {fieldError("objective")}
          </label>
          <label class="field span-2">
            <span class="field-label">Objective options (JSON)</span>
            <textarea rows={4} class="mono" value={form.objective_config} onInput={(e) => set("objective_config", e.currentTarget.value)} data-testid="setting-objective_config" />
            {errors.objective_config ? (
              <span class="field-error">{errors.objective_config}</span>
            ) : (
              <span class="field-hint">The server fills in defaults and checks ranges; {"{}"} uses the defaults.</span>
            )}
          </label>
        </div>

        <h3 class="form-section">Model</h3>
        <div class="grid-3">
          <label class="field">
            <span class="field-label">Backbone</span>
            <select value={form.backbone} onChange={(e) => set("backbone", e.currentTarget.value as Backbone)}>
              {BACKBONES.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
            {fieldError("backbone")}
          </label>
          <label class="field check-field">
            <input type="checkbox" checked={form.pretrained} onChange={(e) => set("pretrained", e.currentTarget.checked)} />
            <span>ImageNet-pretrained backbone</span>
            {fieldError("pretrained")}
          </label>
          <label class="field">
            <span class="field-label">Output stride</span>
            <select value={form.output_stride} onChange={(e) => set("output_stride", e.currentTarget.value)} data-testid="setting-output_stride">
              <option value="16">16 (fast)</option>
              <option value="8">8 (finer, about 3× slower)</option>
            </select>
            {fieldError("output_stride")}
          </label>
          {choice("optimizer", "Optimiser", OPTIMIZERS, { adamw: "AdamW", sgd: "SGD (DeepLab)" })}
          {choice("selector_training", "Selector B trains", SELECTOR_TRAINING, {
            heads: "its two heads (on A's encoder)",
            all: "all of it",
          })}
          {text("batch_size", "Batch size")}
          {text("iterations", "Round 0 iterations")}
          {text("finetune_iterations", "Fine-tune iterations")}
          {text("selector_iterations", "Selector iterations")}
          {text("lr", "Learning rate", undefined, "decimal")}
          {text("image_height", "Training height (px)")}
          {text("image_width", "Training width (px)")}
          {text("adversarial_weight", "Adversarial weight", "output-level alignment; 0 turns it off", "decimal")}
          {text("checkpoint_every", "Checkpoint every (iterations)")}
          {text("seed", "Seed")}
        </div>
        {errors.form && (
          <div class="alert alert-error" role="alert" data-testid="settings-error">
            {errors.form}
          </div>
        )}
        {saved && (
          <div class="alert alert-ok" role="status" data-testid="settings-saved">
            {saved}
          </div>
        )}
      </div>
      <div class="form-actions">
        <button type="button" class="btn btn-ghost" onClick={() => setForm(settingsFromProject(project))}>
          Reset
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="save-settings">
          {busy ? "Saving…" : "Save settings"}
        </button>
      </div>
    </form>
  );
}
