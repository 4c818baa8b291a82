/**
 * Keyboard mapping for the annotate screen. Pure: takes a key description and
 * the context (mode, classes, the project's letter per class), returns an action.
 *
 * Classes: digits 1…9, 0 for the first ten, plus one letter per class that the
 * annotator may change (stored per project in localStorage). Letters used by
 * the tools are reserved and never given to a class.
 */

import type { KeyValueStorage } from "./storage";

/** Keys for the first ten classes, in class order. */
export const CLASS_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"] as const;

/** Letters with a fixed meaning (see HOTKEYS). */
export const RESERVED_LETTERS = ["u", "b", "e", "f", "p", "o", "h", "n", "z", "y", "a"] as const;

export type Mode = "points" | "region";
export type Tool = "brush" | "eraser" | "fill";

export type KeyAction =
  | { type: "class"; classId: number }
  | { type: "unsure" }
  | { type: "next" }
  | { type: "prev" }
  | { type: "clear" }
  | { type: "submit"; force: boolean }
  | { type: "help" }
  | { type: "close" }
  | { type: "undo" }
  | { type: "redo" }
  | { type: "tool"; tool: Tool }
  | { type: "brush-size"; step: 1 | -1 }
  | { type: "prefill" }
  | { type: "overview" }
  | { type: "zoom"; step: 1 | -1 }
  | { type: "toggle-overlay" }
  | { type: "next-unlabelled" }
  | { type: "auto-zoom" };

export interface KeyInput {
  key: string;
  /** KeyboardEvent.code, e.g. "Digit1" (optional). */
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}

export interface KeyContext {
  mode: Mode;
  /** Class ids in palette order. */
  classIds: readonly number[];
  /** Letter (lower case) per class id. */
  letters: ReadonlyMap<number, string>;
}

/** The digit shown for the class at palette `index`, or null beyond the tenth class. */
export function classKeyLabel(index: number): string | null {
  return CLASS_KEYS[index] ?? null;
}

export function mapKey(input: KeyInput, ctx: KeyContext): KeyAction | null {
  const key = input.key;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  if (input.ctrlKey || input.metaKey) {
    if (input.altKey) return null;
    if (lower === "z") return input.shiftKey ? { type: "redo" } : { type: "undo" };
    if (lower === "y") return { type: "redo" };
    return null; // leave browser shortcuts alone
  }
  if (input.altKey) return null;

  let digit: string | null = /^[0-9]$/.test(key) ? key : null;
  // Layouts such as AZERTY produce "&", "é"... on the digit row: use the physical key.
  if (digit === null && key.length === 1 && input.code) {
    const m = /^Digit([0-9])$/.exec(input.code);
    if (m?.[1] !== undefined) digit = m[1];
  }
  if (digit !== null) {
    const index = (CLASS_KEYS as readonly string[]).indexOf(digit);
    const classId = ctx.classIds[index];
    return classId === undefined ? null : { type: "class", classId };
  }
  if (/^[a-z]$/.test(lower)) {
    for (const [classId, letter] of ctx.letters) {
      if (letter === lower && ctx.classIds.includes(classId)) return { type: "class", classId };
    }
  }

  const region = ctx.mode === "region";
  switch (lower) {
    case "u":
      return { type: "unsure" };
    case "ArrowRight":
      return region ? null : { type: "next" };
    case "ArrowLeft":
    case "Backspace":
      return region ? null : { type: "prev" };
    case "Delete":
      return region ? null : { type: "clear" };
    case "Enter":
      return { type: "submit", force: input.shiftKey === true };
    case "?":
      return { type: "help" };
    case "Escape":
      return { type: "close" };
    case "b":
      return region ? { type: "tool", tool: "brush" } : null;
    case "e":
      return region ? { type: "tool", tool: "eraser" } : null;
    case "f":
      return region ? { type: "tool", tool: "fill" } : null;
    case "[":
      return region ? { type: "brush-size", step: -1 } : null;
    case "]":
      return region ? { type: "brush-size", step: 1 } : null;
    case "p":
      return region ? { type: "prefill" } : null;
    case "n":
      return region ? { type: "next-unlabelled" } : null;
    case "a":
      return region ? null : { type: "auto-zoom" };
    case "o":
      return { type: "overview" };
    case "h":
      return { type: "toggle-overlay" };
    case "+":
    case "=":
      return { type: "zoom", step: 1 };
    case "-":
    case "_":
      return { type: "zoom", step: -1 };
    default:
      return null;
  }
}

// --- class letters -----------------------------------------------------------------

const LETTER_RE = /^[a-z]$/;

export function isReserved(letter: string): boolean {
  return (RESERVED_LETTERS as readonly string[]).includes(letter.toLowerCase());
}

/**
 * A letter per class: the first letter of its name that is free (not
 * reserved, not taken by an earlier class), else none.
 */
export function defaultLetters(classes: readonly { id: number; name: string }[]): Map<number, string> {
  const used = new Set<string>();
  const out = new Map<number, string>();
  for (const c of classes) {
    for (const ch of c.name.toLowerCase()) {
      if (LETTER_RE.test(ch) && !isReserved(ch) && !used.has(ch)) {
        used.add(ch);
        out.set(c.id, ch);
        break;
      }
    }
  }
  return out;
}

export type LetterResult = { ok: true; letters: Map<number, string> } | { ok: false; error: string };

/**
 * Assigns `letter` to a class ("" removes its letter). A letter another class
 * had moves to this one (that class loses it); reserved letters are refused.
 */
export function assignLetter(letters: ReadonlyMap<number, string>, classId: number, letter: string): LetterResult {
  const l = letter.trim().toLowerCase();
  const next = new Map(letters);
  if (l === "") {
    next.delete(classId);
    return { ok: true, letters: next };
  }
  if (!LETTER_RE.test(l)) return { ok: false, error: "Use a single letter a–z." };
  if (isReserved(l)) return { ok: false, error: `“${l.toUpperCase()}” is a tool key.` };
  for (const [id, other] of next) if (other === l && id !== classId) next.delete(id);
  next.set(classId, l);
  return { ok: true, letters: next };
}

/** The annotator's letters for a project, kept in localStorage; defaults where unset or invalid. */
export class ClassLetterStore {
  constructor(private readonly storage: KeyValueStorage | null) {}

  private key(projectId: number): string {
    return `segloop.letters.${projectId}`;
  }

  private readRaw(projectId: number): string | null {
    try {
      return this.storage?.getItem(this.key(projectId)) ?? null;
    } catch {
      return null;
    }
  }

  load(projectId: number, classes: readonly { id: number; name: string }[]): Map<number, string> {
    const raw = this.readRaw(projectId);
    if (raw === null) return defaultLetters(classes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return defaultLetters(classes);
    }
    if (parsed === null || typeof parsed !== "object") return defaultLetters(classes);
    const ids = new Set(classes.map((c) => c.id));
    let letters = new Map<number, string>();
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      const id = Number(k);
      if (!ids.has(id) || typeof v !== "string") continue;
      const r = assignLetter(letters, id, v);
      if (r.ok) letters = r.letters;
    }
    return letters;
  }

  save(projectId: number, letters: ReadonlyMap<number, string>): void {
    try {
      this.storage?.setItem(this.key(projectId), JSON.stringify(Object.fromEntries(letters)));
    } catch {
      // storage disabled: the letters last for this page only
    }
  }
}

// --- cheat sheet ---------------------------------------------------------------------

export interface HotkeyRow {
  keys: string[];
  action: string;
}

export const COMMON_HOTKEYS: readonly HotkeyRow[] = [
  { keys: ["1", "…", "9", "0"], action: "Class 1–10 (and each class's letter, shown in the palette)" },
  { keys: ["U"], action: "Unsure / ignore (class 255)" },
  { keys: ["Ctrl", "Z"], action: "Undo" },
  { keys: ["Ctrl", "Shift", "Z"], action: "Redo (also Ctrl+Y)" },
  { keys: ["Wheel"], action: "Zoom at the cursor (also + and −)" },
  { keys: ["O"], action: "Overview: fit the whole image" },
  { keys: ["H"], action: "Hide / show the overlay" },
  { keys: ["Enter"], action: "Submit and load the next task" },
  { keys: ["?"], action: "Show / hide this cheat sheet" },
];

export const POINT_HOTKEYS: readonly HotkeyRow[] = [
  { keys: ["→"], action: "Next point (a class key labels and moves on by itself)" },
  { keys: ["←", "Backspace"], action: "Previous point" },
  { keys: ["Del"], action: "Clear the current point's label" },
  { keys: ["A"], action: "Auto-zoom on the current point on / off" },
  { keys: ["Click"], action: "Select a point · drag to pan" },
];

export const REGION_HOTKEYS: readonly HotkeyRow[] = [
  { keys: ["B"], action: "Brush: paint the requested pixels with the active class" },
  { keys: ["E"], action: "Eraser" },
  { keys: ["F"], action: "Fill: click a highlighted segment to label all of it (or Shift+click)" },
  { keys: ["[", "]"], action: "Smaller / larger brush" },
  { keys: ["P"], action: "Pre-fill unlabelled pixels from the model's prediction" },
  { keys: ["N"], action: "Jump to the next segment with unlabelled pixels" },
  { keys: ["Space", "drag"], action: "Pan (or drag with the right / middle button)" },
  { keys: ["Shift", "Enter"], action: "Submit even with unlabelled pixels left" },
];
