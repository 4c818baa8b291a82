import { useState } from "preact/hooks";
import { OBJECTIVES, SELECTION_METHODS, type Objective, type Project, type SelectionMethod } from "../api";
import { useApp } from "../state/context";
import { isRegionMethod, methodName, objectiveName } from "../domain/format";
import {
  defaultColour,
  initialProjectForm,
  projectErrors,
  validateProjectForm,
  type FormErrors,
  type ProjectFormState,
} from "../domain/projectForm";

interface Props {
  onCreated: (project: Project) => void;
  onCancel: () => void;
}

export function ProjectForm({ onCreated, onCancel }: Props) {
  const { api } = useApp();
  const [form, setForm] = useState<ProjectFormState>(initialProjectForm);
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);

  const set = <K extends keyof ProjectFormState>(key: K, value: ProjectFormState[K]): void =>
    setForm((f) => ({ ...f, [key]: value }));
  const setClass = (i: number, patch: Partial<{ name: string; colour: string }>): void =>
    setForm((f) => ({ ...f, classes: f.classes.map((c, j) => (j === i ? { ...c, ...patch } : c)) }));

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const result = validateProjectForm(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      onCreated(await api.createProject(result.body));
    } catch (err) {
      setErrors(projectErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const points = !isRegionMethod(form.selection_method);

  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate data-testid="project-form">
      <div class="card-head">
        <h2>New project</h2>
      </div>
      <div class="form-body">
        <label class="field">
          <span class="field-label">Name</span>
          <input
            data-testid="project-name-input"
            value={form.name}
            onInput={(e) => set("name", e.currentTarget.value)}
            placeholder="e.g. CamVid → IDD"
          />
          {errors.name && <span class="field-error">{errors.name}</span>}
        </label>

        <fieldset class="field">
          <legend class="field-label">Classes (id = order; 1–9, 0 are the annotators' keys for the first ten)</legend>
          <ol class="class-rows">
            {form.classes.map((c, i) => (
              <li key={i} class="class-row">
                <span class="class-id">{i}</span>
                <input
                  type="color"
                  value={c.colour}
                  aria-label={`Colour of class ${i}`}
                  onInput={(e) => setClass(i, { colour: e.currentTarget.value })}
                />
                <input
                  value={c.name}
                  placeholder="class name"
                  aria-label={`Name of class ${i}`}
                  data-testid={`class-name-${i}`}
                  onInput={(e) => setClass(i, { name: e.currentTarget.value })}
                />
                <button
                  type="button"
                  class="btn btn-ghost btn-sm"
                  aria-label={`Remove class ${i}`}
                  onClick={() => setForm((f) => ({ ...f, classes: f.classes.filter((_, j) => j !== i) }))}
                >
                  Remove
                </button>
                {errors.classRows?.[i] && <span class="field-error">{errors.classRows[i]}</span>}
              </li>
            ))}
          </ol>
          <button
            type="button"
            class="btn btn-sm"
            data-testid="add-class"
            onClick={() =>
              setForm((f) => ({ ...f, classes: [...f.classes, { name: "", colour: defaultColour(f.classes.length) }] }))
            }
          >
            Add class
          </button>
          {errors.classes && <span class="field-error">{errors.classes}</span>}
        </fieldset>

        <div class="form-grid">
          <label class="field">
            <span class="field-label">Selection method</span>
            <select
              data-testid="selection-method"
              value={form.selection_method}
              onChange={(e) => set("selection_method", e.currentTarget.value as SelectionMethod)}
            >
              {SELECTION_METHODS.map((m) => (
                <option key={m} value={m}>
                  {methodName(m)}
                </option>
              ))}
            </select>
            {errors.selection_method && <span class="field-error">{errors.selection_method}</span>}
          </label>
          <label class="field">
            <span class="field-label">Adaptation objective</span>
            <select
              data-testid="objective"
              value={form.objective}
              onChange={(e) => set("objective", e.currentTarget.value as Objective)}
            >
              {OBJECTIVES.map((o) => (
                <option key={o} value={o}>
                  {objectiveName(o)}
                </option>
              ))}
            </select>
            {errors.objective && <span class="field-error">{errors.objective}</span>}
          </label>
          <label class={points ? "field" : "field field-dim"}>
            <span class="field-label">Points per image</span>
            <input
              inputMode="numeric"
              value={form.points_per_image}
              onInput={(e) => set("points_per_image", e.currentTarget.value)}
            />
            {errors.points_per_image && <span class="field-error">{errors.points_per_image}</span>}
          </label>
          <label class={points ? "field field-dim" : "field"}>
            <span class="field-label">Pixel budget (% of each image)</span>
            <input
              inputMode="decimal"
              value={form.pixel_budget_percent}
              onInput={(e) => set("pixel_budget_percent", e.currentTarget.value)}
            />
            {errors.pixel_budget_percent && <span class="field-error">{errors.pixel_budget_percent}</span>}
          </label>
          <label class="field">
            <span class="field-label">Images per round</span>
            <input
              inputMode="numeric"
              value={form.images_per_round}
              onInput={(e) => set("images_per_round", e.currentTarget.value)}
            />
            {errors.images_per_round && <span class="field-error">{errors.images_per_round}</span>}
          </label>
        </div>

        {errors.form && (
          <div class="alert alert-error" role="alert" data-testid="project-form-error">
            {errors.form}
          </div>
        )}
      </div>
      <div class="form-actions">
        <button type="button" class="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" class="btn btn-primary" data-testid="create-project" disabled={busy}>
          {busy ? "Creating…" : "Create project"}
        </button>
      </div>
    </form>
  );
}
