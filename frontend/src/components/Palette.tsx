import type { ProjectClass } from "../api";
import { contrastText, UNSURE_COLOUR } from "../colour";
import { classKeyLabel } from "../keys";
import { UNSURE } from "../points";

interface Props {
  classes: readonly ProjectClass[];
  /** Label of the current item (highlighted), or null. */
  selected: number | null;
  disabled: boolean;
  onPick: (classId: number) => void;
}

/** Class list with colours and hotkeys; clicking a class labels the current item. */
export function Palette({ classes, selected, disabled, onPick }: Props) {
  return (
    <ul class="palette" data-testid="palette">
      {classes.map((c, i) => {
        const key = classKeyLabel(i);
        return (
          <li key={c.id}>
            <button
              type="button"
              class={selected === c.id ? "palette-item selected" : "palette-item"}
              data-testid={`class-${c.id}`}
              disabled={disabled}
              onClick={() => onPick(c.id)}
              title={key ? `${c.name} (key ${key})` : c.name}
            >
              <span class="swatch" style={{ background: c.colour, color: contrastText(c.colour) }}>
                {key ?? ""}
              </span>
              <span class="palette-name">{c.name}</span>
              {key && <kbd class="kbd">{key}</kbd>}
            </button>
          </li>
        );
      })}
      <li>
        <button
          type="button"
          class={selected === UNSURE ? "palette-item selected" : "palette-item"}
          data-testid="class-unsure"
          disabled={disabled}
          onClick={() => onPick(UNSURE)}
          title="Unsure / ignore (key U)"
        >
          <span class="swatch" style={{ background: UNSURE_COLOUR, color: "#111827" }}>
            ?
          </span>
          <span class="palette-name">Unsure / ignore</span>
          <kbd class="kbd">U</kbd>
        </button>
      </li>
    </ul>
  );
}
