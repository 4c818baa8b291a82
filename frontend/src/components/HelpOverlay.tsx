import { HOTKEYS } from "../keys";

export function HelpOverlay({ onClose }: { onClose: () => void }) {
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
            {HOTKEYS.map((h) => (
              <tr key={h.action}>
                <td class="hotkeys-keys">
                  {h.keys.map((k) => (k === "…" ? <span key={k}> … </span> : <kbd class="kbd" key={k}>{k}</kbd>))}
                </td>
                <td>{h.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted small">
          Classes 11 and above have no key: click them in the palette. Points marked unsure are sent as class 255
          and ignored in training.
        </p>
      </div>
    </div>
  );
}
