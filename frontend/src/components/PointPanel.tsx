import type { ProjectClass } from "../api";
import type { PointEditor } from "../canvas/pointEditor";
import { UNSURE } from "../domain/points";
import { Loupe } from "./Loupe";
import { Palette } from "./Palette";

interface Props {
  editor: PointEditor;
  image: CanvasImageSource;
  width: number;
  height: number;
  classes: readonly ProjectClass[];
  letters: ReadonlyMap<number, string>;
  autoZoom: boolean;
  onAutoZoom: () => void;
  onPick: (classId: number) => void;
  onUnsure: () => void;
  onLetter: (classId: number, letter: string) => string | null;
  disabled: boolean;
}

/** Side panel in point mode: where we are, a magnified view of the current point, the classes. */
export function PointPanel({ editor, image, width, height, classes, letters, autoZoom, onAutoZoom, onPick, onUnsure, onLetter, disabled }: Props) {
  const p = editor.currentPoint;
  const label = editor.currentLabel;
  return (
    <>
      <div class="side-section">
        <div class="side-title-row">
          <div class="side-title" data-testid="point-position">
            Point {Math.min(editor.current + 1, editor.total)} of {editor.total}
          </div>
          <label class="switch small" title="Zoom onto each point as you go (A)">
            <input
              type="checkbox"
              checked={autoZoom}
              onChange={(e) => {
                onAutoZoom();
                e.currentTarget.blur();
              }}
              data-testid="auto-zoom"
            />
            Auto-zoom
          </label>
        </div>
        <div class="muted small" data-testid="current-point">
          {p ? `x ${p.x}, y ${p.y}` : "—"}
        </div>
        <Loupe image={image} width={width} height={height} point={p} />
        <PointStrip editor={editor} classes={classes} />
      </div>
      <div class="side-section">
        <div class="side-title">Classes</div>
        <Palette
          classes={classes}
          selected={label}
          letters={letters}
          disabled={disabled}
          onPick={onPick}
          onUnsure={onUnsure}
          unsureSelected={label === UNSURE}
          onLetter={onLetter}
        />
      </div>
      <div class="side-section side-hint muted small">
        {editor.complete ? (
          <span>
            All labelled — press <kbd class="kbd">Enter</kbd> to submit.
          </span>
        ) : (
          <span>
            A class key labels the point and moves on. <kbd class="kbd">←</kbd> <kbd class="kbd">→</kbd> move ·{" "}
            <kbd class="kbd">?</kbd> all shortcuts.
          </span>
        )}
      </div>
    </>
  );
}

/** All points at a glance: one cell per point in its label's colour; click to go there. */
function PointStrip({ editor, classes }: { editor: PointEditor; classes: readonly ProjectClass[] }) {
  const colours = new Map(classes.map((c) => [c.id, c.colour]));
  return (
    <div class="point-strip" data-testid="point-strip" aria-label="All points">
      {editor.state.labels.map((l, i) => (
        <button
          key={i}
          type="button"
          class={i === editor.current ? "point-cell current" : "point-cell"}
          style={l === null ? undefined : { background: l === UNSURE ? "#9aa3ae" : (colours.get(l) ?? "#888") }}
          title={`Point ${i + 1}${l === null ? " (unlabelled)" : ""}`}
          tabIndex={-1}
          onMouseDown={keepFocus}
          onClick={() => editor.goto(i)}
        />
      ))}
    </div>
  );
}

/** Clicking a navigation aid must not move keyboard focus onto it (Enter would "click" it again). */
function keepFocus(e: MouseEvent): void {
  e.preventDefault();
}

/** Before a task is open: the project's classes and keys (letters can be set up front). */
export function IdlePanel({
  classes,
  letters,
  hasProject,
  onLetter,
}: {
  classes: readonly ProjectClass[];
  letters: ReadonlyMap<number, string>;
  hasProject: boolean;
  onLetter: (classId: number, letter: string) => string | null;
}) {
  return (
    <div class="side-section">
      <div class="side-title">Classes</div>
      {hasProject ? (
        <Palette classes={classes} selected={null} letters={letters} disabled onPick={() => undefined} onLetter={onLetter} />
      ) : (
        <p class="muted small">The classes of the chosen project appear here.</p>
      )}
    </div>
  );
}
