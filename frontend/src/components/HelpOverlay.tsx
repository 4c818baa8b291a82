import { COMMON_HOTKEYS, POINT_HOTKEYS, REGION_HOTKEYS, type HotkeyRow, type Mode } from "../domain/keys";

function Rows({ rows }: { rows: readonly HotkeyRow[] }) {
  return (
    <>
      {rows.map((h) => (
        <tr key={h.action}>
          <td class="hotkeys-keys">
            {h.keys.map((k, i) =>
              k === "…" ? (
                <span key={i}> … </span>
              ) : (
                <kbd class="kbd" key={i}>
                  {k}
                </kbd>
              ),
            )}
          </td>
          <td>{h.action}</td>
        </tr>
      ))}
    </>
  );
}

export function HelpOverlay({ mode, onClose }: { mode: Mode; onClose: () => void }) {
  return (
    <div class="modal-backdrop" role="presentation" onClick={onClose}>
      <div
        class="modal help"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        data-testid="help"
        onClick={(e) => e.stopPropagation()}
      >
        <div class="modal-head">
          <h2 id="help-title">Keyboard shortcuts</h2>
          <button type="button" class="btn btn-ghost btn-sm" onClick={onClose} aria-label="Close">
            Esc
          </button>
        </div>
        <table class="hotkeys">
          <tbody>
            <tr>
              <th colSpan={2}>{mode === "region" ? "Region tasks" : "Point tasks"}</th>
            </tr>
            <Rows rows={mode === "region" ? REGION_HOTKEYS : POINT_HOTKEYS} />
            <tr>
              <th colSpan={2}>Everywhere</th>
            </tr>
            <Rows rows={COMMON_HOTKEYS} />
          </tbody>
        </table>
        <p class="muted small">
          Letter keys per class are yours to choose (“Edit letter keys” under the palette); they are kept in this
          browser for each project. Points marked unsure are sent as class 255 and ignored in training.
        </p>
      </div>
    </div>
  );
}
