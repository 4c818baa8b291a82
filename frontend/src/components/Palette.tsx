import { useState } from "preact/hooks";
import type { ProjectClass } from "../api";
import { contrastText, UNSURE_COLOUR } from "../domain/colour";
import { classKeyLabel } from "../domain/keys";

interface Props {
  classes: readonly ProjectClass[];
  /** Highlighted class: the current point's label (points) or the brush class (regions). */
  selected: number | null;
  letters: ReadonlyMap<number, string>;
  disabled: boolean;
  onPick: (classId: number) => void;
  /** "Unsure / ignore" row (points); left out when null. */
  onUnsure?: (() => void) | null;
  unsureSelected?: boolean;
  /** Change a class's letter; returns an error message or null. */
  onLetter: (classId: number, letter: string) => string | null;
}

/** Keeps keyboard focus where it was (class keys and Enter keep working after a click). */
function keepFocus(e: MouseEvent): void {
  e.preventDefault();
}

/** Class list with colours and keys (digit + the annotator's letter); letters are editable per project. */
export function Palette({ classes, selected, letters, disabled, onPick, onUnsure, unsureSelected, onLetter }: Props) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="palette-wrap">
      <ul class="palette" data-testid="palette">
        {classes.map((c, i) => {
          const digit = classKeyLabel(i);
          const letter = letters.get(c.id) ?? "";
          return (
            <li key={c.id}>
              <div class={selected === c.id ? "palette-item selected" : "palette-item"}>
                <button
                  type="button"
                  class="palette-pick"
                  data-testid={`class-${c.id}`}
                  disabled={disabled}
                  onMouseDown={keepFocus}
                  onClick={() => onPick(c.id)}
                  title={`${c.name}${digit ? ` (key ${digit}${letter ? ` or ${letter.toUpperCase()}` : ""})` : ""}`}
                >
                  <span class="swatch" style={{ background: c.colour, color: contrastText(c.colour) }}>
                    {digit ?? ""}
                  </span>
                  <span class="palette-name">{c.name}</span>
                </button>
                {editing ? (
                  <input
                    class="letter-input"
                    aria-label={`Letter for ${c.name}`}
                    data-testid={`letter-${c.id}`}
                    maxLength={1}
                    value={letter.toUpperCase()}
                    onInput={(e) => {
                      const err = onLetter(c.id, e.currentTarget.value);
                      setError(err);
                      if (err) e.currentTarget.value = letter.toUpperCase();
                    }}
                    onFocus={(e) => e.currentTarget.select()}
                  />
                ) : (
                  <span class="palette-keys">
                    {digit && <kbd class="kbd">{digit}</kbd>}
                    {letter && <kbd class="kbd">{letter.toUpperCase()}</kbd>}
                  </span>
                )}
              </div>
            </li>
          );
        })}
        {onUnsure && (
          <li>
            <div class={unsureSelected ? "palette-item selected" : "palette-item"}>
              <button
                type="button"
                class="palette-pick"
                data-testid="class-unsure"
                disabled={disabled}
                onMouseDown={keepFocus}
                onClick={onUnsure}
                title="Unsure / ignore (key U)"
              >
                <span class="swatch" style={{ background: UNSURE_COLOUR, color: "#111827" }}>
                  ?
                </span>
                <span class="palette-name">Unsure / ignore</span>
              </button>
              <span class="palette-keys">
                <kbd class="kbd">U</kbd>
              </span>
            </div>
          </li>
        )}
      </ul>
      <div class="palette-foot">
        {error && <span class="field-error">{error}</span>}
        <button
          type="button"
          class="btn btn-ghost btn-sm"
          data-testid="edit-letters"
          onClick={() => {
            setEditing((v) => !v);
            setError(null);
          }}
        >
          {editing ? "Done" : "Edit letter keys"}
        </button>
      </div>
    </div>
  );
}
