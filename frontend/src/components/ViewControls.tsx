interface Props {
  zoom: number;
  opacity: number;
  overlayOn: boolean;
  overlayLabel: string;
  canUndo: boolean;
  canRedo: boolean;
  onZoom: (step: 1 | -1) => void;
  onFit: () => void;
  onOpacity: (v: number) => void;
  onOverlay: (on: boolean) => void;
  onUndo: () => void;
  onRedo: () => void;
}

/** Floating controls over the stage: zoom, overlay opacity, undo/redo. */
export function ViewControls(p: Props) {
  return (
    <div
      class="view-controls"
      data-testid="view-controls"
      onMouseDown={(e) => {
        // Buttons here must not take keyboard focus: the annotation keys go to the page.
        if ((e.target as HTMLElement).closest("button")) e.preventDefault();
      }}
    >
      <div class="vc-group">
        <button type="button" class="vc-btn" onClick={() => p.onZoom(-1)} title="Zoom out (−)" aria-label="Zoom out">
          −
        </button>
        <span class="vc-zoom" data-testid="zoom-level">
          {Math.round(p.zoom * 100)}%
        </span>
        <button type="button" class="vc-btn" onClick={() => p.onZoom(1)} title="Zoom in (+)" aria-label="Zoom in">
          +
        </button>
        <button type="button" class="vc-btn vc-text" onClick={p.onFit} title="Fit the whole image (O)">
          Fit
        </button>
      </div>
      <div class="vc-group">
        <label class="vc-check" title="Show / hide the overlay (H)">
          <input
            type="checkbox"
            checked={p.overlayOn}
            onChange={(e) => {
              p.onOverlay(e.currentTarget.checked);
              e.currentTarget.blur();
            }}
          />
          {p.overlayLabel}
        </label>
        <input
          type="range"
          min={0}
          max={100}
          value={Math.round(p.opacity * 100)}
          aria-label="Overlay opacity"
          data-testid="opacity"
          onInput={(e) => p.onOpacity(Number(e.currentTarget.value) / 100)}
          onPointerUp={(e) => e.currentTarget.blur()}
        />
      </div>
      <div class="vc-group">
        <button type="button" class="vc-btn vc-text" disabled={!p.canUndo} onClick={p.onUndo} title="Undo (Ctrl+Z)" data-testid="undo">
          Undo
        </button>
        <button type="button" class="vc-btn vc-text" disabled={!p.canRedo} onClick={p.onRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
          Redo
        </button>
      </div>
    </div>
  );
}
