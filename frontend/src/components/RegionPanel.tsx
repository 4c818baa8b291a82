import type { ProjectClass } from "../api";
import { formatInt } from "../domain/format";
import type { Tool } from "../domain/keys";
import { todoColour, type RGBA } from "../canvas/overlay";
import { MAX_BRUSH, MIN_BRUSH, type RegionEditor } from "../canvas/regionEditor";
import { Palette } from "./Palette";

interface Props {
  editor: RegionEditor;
  classes: readonly ProjectClass[];
  letters: ReadonlyMap<number, string>;
  hasPrediction: boolean;
  onPick: (classId: number) => void;
  onLetter: (classId: number, letter: string) => string | null;
  onTool: (tool: Tool) => void;
  onBrushSize: (size: number) => void;
  onPrefill: () => void;
  onNextUnlabelled: () => void;
  disabled: boolean;
}

const TOOLS: { tool: Tool; label: string; key: string; hint: string }[] = [
  { tool: "brush", label: "Brush", key: "B", hint: "Paint requested pixels" },
  { tool: "eraser", label: "Eraser", key: "E", hint: "Unlabel pixels (or Alt+drag)" },
  { tool: "fill", label: "Fill", key: "F", hint: "Label a whole segment with one click (or Shift+click)" },
];

/** Side panel in region mode: what is left, tools, brush size, pre-fill, classes. */
export function RegionPanel({ editor, classes, letters, hasPrediction, onPick, onLetter, onTool, onBrushSize, onPrefill, onNextUnlabelled, disabled }: Props) {
  const left = editor.unlabelled;
  const segmentsLeft = countSegmentsLeft(editor);
  const todo = todoColour(classes);
  return (
    <>
      <div class="side-section">
        <div class="side-title">Requested pixels</div>
        <div class={left === 0 ? "remaining done" : "remaining"} data-testid="unlabelled" data-count={left}>
          {left === 0 ? (
            <span>All {formatInt(editor.requested)} labelled</span>
          ) : (
            <span>
              <strong>{formatInt(left)}</strong> unlabelled
            </span>
          )}
        </div>
        <div class="small muted">
          of {formatInt(editor.requested)} requested
          {left > 0 && ` · ${segmentsLeft} segment${segmentsLeft === 1 ? "" : "s"} left`}
        </div>
        <div class="legend small muted">
          <span class="legend-todo" aria-hidden="true" style={{ background: stripes(todo) }} /> striped = still to label
        </div>
        <div class="btn-row">
          <button type="button" class="btn btn-sm" data-testid="next-unlabelled" disabled={disabled || left === 0} onClick={onNextUnlabelled}>
            Find next <kbd class="kbd">N</kbd>
          </button>
          <button
            type="button"
            class="btn btn-sm"
            data-testid="prefill"
            disabled={disabled || !hasPrediction || left === 0}
            onClick={onPrefill}
            title="Give unlabelled requested pixels the model's class, then correct what is wrong"
          >
            Pre-fill from model <kbd class="kbd">P</kbd>
          </button>
        </div>
      </div>
      <div class="side-section">
        <div class="side-title">Tool</div>
        <div class="segmented" role="radiogroup" aria-label="Tool">
          {TOOLS.map((t) => (
            <button
              key={t.tool}
              type="button"
              role="radio"
              aria-checked={editor.tool === t.tool}
              class={editor.tool === t.tool ? "seg active" : "seg"}
              data-testid={`tool-${t.tool}`}
              onMouseDown={(e) => e.preventDefault()}
              title={`${t.hint} (${t.key})`}
              onClick={() => onTool(t.tool)}
            >
              {t.label} <kbd class="kbd">{t.key}</kbd>
            </button>
          ))}
        </div>
        <label class="field-inline">
          <span class="small muted">Brush</span>
          <input
            type="range"
            min={MIN_BRUSH}
            max={Math.min(MAX_BRUSH, 128)}
            value={editor.brushSize}
            data-testid="brush-size"
            onInput={(e) => onBrushSize(Number(e.currentTarget.value))}
            onPointerUp={(e) => e.currentTarget.blur()}
          />
          <span class="small num-badge" data-testid="brush-size-value">
            {editor.brushSize} px
          </span>
        </label>
        <div class="small muted">
          <kbd class="kbd">[</kbd> <kbd class="kbd">]</kbd> size · <kbd class="kbd">Space</kbd>+drag pans
        </div>
      </div>
      <div class="side-section">
        <div class="side-title">Classes</div>
        <Palette classes={classes} selected={editor.activeClass} letters={letters} disabled={disabled} onPick={onPick} onLetter={onLetter} />
      </div>
    </>
  );
}

function stripes(c: RGBA): string {
  return `repeating-linear-gradient(135deg, rgb(${c[0]}, ${c[1]}, ${c[2]}) 0 4px, #222 4px 6px)`;
}

function countSegmentsLeft(editor: RegionEditor): number {
  let n = 0;
  for (let id = 0; id < editor.raster.components.count; id++) if (editor.raster.componentUnlabelled(id) > 0) n++;
  return n;
}
