/** Keyboard mapping for the annotate screen. Pure: takes a key description, returns an action. */

/** Keys for the first ten classes, in class order. */
export const CLASS_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"] as const;
export const UNSURE_KEY = "u";

export type KeyAction =
  | { type: "class"; index: number }
  | { type: "unsure" }
  | { type: "next" }
  | { type: "prev" }
  | { type: "clear" }
  | { type: "submit" }
  | { type: "help" }
  | { type: "close" };

export interface KeyInput {
  key: string;
  /** KeyboardEvent.code, e.g. "Digit1" (optional). */
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The key shown for the class at `index` in the palette, or null beyond the tenth class. */
export function classKeyLabel(index: number): string | null {
  return CLASS_KEYS[index] ?? null;
}

export function mapKey(input: KeyInput, classCount: number): KeyAction | null {
  if (input.ctrlKey || input.metaKey || input.altKey) return null;
  const key = input.key;
  let digit: string | null = /^[0-9]$/.test(key) ? key : null;
  // Layouts such as AZERTY produce "&", "é"... on the digit row: use the physical key.
  if (digit === null && key.length === 1 && input.code) {
    const m = /^Digit([0-9])$/.exec(input.code);
    if (m?.[1] !== undefined) digit = m[1];
  }
  if (digit !== null) {
    const index = (CLASS_KEYS as readonly string[]).indexOf(digit);
    return index >= 0 && index < classCount ? { type: "class", index } : null;
  }
  switch (key) {
    case "u":
    case "U":
      return { type: "unsure" };
    case "ArrowRight":
      return { type: "next" };
    case "ArrowLeft":
    case "Backspace":
      return { type: "prev" };
    case "Delete":
      return { type: "clear" };
    case "Enter":
      return { type: "submit" };
    case "?":
      return { type: "help" };
    case "Escape":
      return { type: "close" };
    default:
      return null;
  }
}

/** Rows of the hotkey cheat sheet. */
export const HOTKEYS: readonly { keys: string[]; action: string }[] = [
  { keys: ["1", "…", "9", "0"], action: "Label the current point with class 1–10 and go to the next one" },
  { keys: ["U"], action: "Unsure / ignore (class 255)" },
  { keys: ["→"], action: "Next point" },
  { keys: ["←", "Backspace"], action: "Previous point" },
  { keys: ["Del"], action: "Clear the current point's label" },
  { keys: ["Enter"], action: "Submit when every point is labelled (loads the next task)" },
  { keys: ["Click"], action: "Select a point on the image" },
  { keys: ["?"], action: "Show / hide this cheat sheet" },
  { keys: ["Esc"], action: "Close this cheat sheet" },
];
