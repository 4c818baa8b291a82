import { describe, expect, it } from "vitest";
import type { KeyValueStorage } from "./storage";
import {
  assignLetter,
  classKeyLabel,
  ClassLetterStore,
  defaultLetters,
  mapKey,
  RESERVED_LETTERS,
  type KeyContext,
} from "./keys";

const classes = [
  { id: 0, name: "road" },
  { id: 1, name: "sidewalk" },
  { id: 2, name: "building" },
  { id: 3, name: "vegetation" },
  { id: 4, name: "sky" },
  { id: 5, name: "car" },
];
const ids = classes.map((c) => c.id);
const points: KeyContext = { mode: "points", classIds: ids, letters: defaultLetters(classes) };
const region: KeyContext = { ...points, mode: "region" };

describe("mapKey", () => {
  it("maps 1..9, 0 to the classes in palette order", () => {
    const many: KeyContext = { mode: "points", classIds: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], letters: new Map() };
    expect(mapKey({ key: "1" }, many)).toEqual({ type: "class", classId: 10 });
    expect(mapKey({ key: "9" }, many)).toEqual({ type: "class", classId: 18 });
    expect(mapKey({ key: "0" }, many)).toEqual({ type: "class", classId: 19 });
  });

  it("ignores digits beyond the project's classes", () => {
    expect(mapKey({ key: "7" }, points)).toBeNull();
    expect(mapKey({ key: "6" }, points)).toEqual({ type: "class", classId: 5 });
  });

  it("uses the physical digit row on layouts like AZERTY", () => {
    expect(mapKey({ key: "&", code: "Digit1" }, points)).toEqual({ type: "class", classId: 0 });
  });

  it("maps each class's letter, in either case", () => {
    expect(mapKey({ key: "r" }, points)).toEqual({ type: "class", classId: 0 });
    expect(mapKey({ key: "S" }, points)).toEqual({ type: "class", classId: 1 });
    expect(mapKey({ key: "c" }, region)).toEqual({ type: "class", classId: 5 });
  });

  it("undo and redo with Ctrl (or Cmd); other browser shortcuts pass through", () => {
    expect(mapKey({ key: "z", ctrlKey: true }, region)).toEqual({ type: "undo" });
    expect(mapKey({ key: "Z", ctrlKey: true, shiftKey: true }, region)).toEqual({ type: "redo" });
    expect(mapKey({ key: "y", metaKey: true }, points)).toEqual({ type: "redo" });
    expect(mapKey({ key: "1", ctrlKey: true }, points)).toBeNull();
    expect(mapKey({ key: "r", ctrlKey: true }, points)).toBeNull();
    expect(mapKey({ key: "ArrowLeft", altKey: true }, points)).toBeNull();
  });

  it("maps navigation in point mode only", () => {
    expect(mapKey({ key: "ArrowRight" }, points)).toEqual({ type: "next" });
    expect(mapKey({ key: "Backspace" }, points)).toEqual({ type: "prev" });
    expect(mapKey({ key: "Delete" }, points)).toEqual({ type: "clear" });
    expect(mapKey({ key: "a" }, points)).toEqual({ type: "auto-zoom" });
    expect(mapKey({ key: "ArrowRight" }, region)).toBeNull();
    expect(mapKey({ key: "b" }, points)).toBeNull();
  });

  it("maps the region tools", () => {
    expect(mapKey({ key: "b" }, region)).toEqual({ type: "tool", tool: "brush" });
    expect(mapKey({ key: "e" }, region)).toEqual({ type: "tool", tool: "eraser" });
    expect(mapKey({ key: "f" }, region)).toEqual({ type: "tool", tool: "fill" });
    expect(mapKey({ key: "[" }, region)).toEqual({ type: "brush-size", step: -1 });
    expect(mapKey({ key: "]" }, region)).toEqual({ type: "brush-size", step: 1 });
    expect(mapKey({ key: "p" }, region)).toEqual({ type: "prefill" });
    expect(mapKey({ key: "n" }, region)).toEqual({ type: "next-unlabelled" });
  });

  it("maps the common keys", () => {
    expect(mapKey({ key: "u" }, region)).toEqual({ type: "unsure" });
    expect(mapKey({ key: "Enter" }, points)).toEqual({ type: "submit", force: false });
    expect(mapKey({ key: "Enter", shiftKey: true }, region)).toEqual({ type: "submit", force: true });
    expect(mapKey({ key: "?", code: "Slash" }, points)).toEqual({ type: "help" });
    expect(mapKey({ key: "Escape" }, points)).toEqual({ type: "close" });
    expect(mapKey({ key: "o" }, points)).toEqual({ type: "overview" });
    expect(mapKey({ key: "h" }, region)).toEqual({ type: "toggle-overlay" });
    expect(mapKey({ key: "+" }, region)).toEqual({ type: "zoom", step: 1 });
    expect(mapKey({ key: "-" }, points)).toEqual({ type: "zoom", step: -1 });
    expect(mapKey({ key: "Shift" }, points)).toBeNull();
    expect(mapKey({ key: "x" }, points)).toBeNull();
  });

  it("classKeyLabel", () => {
    expect(classKeyLabel(0)).toBe("1");
    expect(classKeyLabel(9)).toBe("0");
    expect(classKeyLabel(10)).toBeNull();
  });
});

describe("class letters", () => {
  it("default to the first free, unreserved letter of each name", () => {
    const l = defaultLetters(classes);
    // road → r, sidewalk → s, building → "b" reserved → u reserved → i, vegetation → v, sky → "s" taken → k, car → c
    expect(Object.fromEntries(l)).toEqual({ 0: "r", 1: "s", 2: "i", 3: "v", 4: "k", 5: "c" });
    for (const letter of l.values()) expect(RESERVED_LETTERS as readonly string[]).not.toContain(letter);
  });

  it("give up when a name has no free letter", () => {
    expect(defaultLetters([{ id: 0, name: "bee" }, { id: 1, name: "123" }]).size).toBe(0);
  });

  it("can be reassigned: a taken letter moves, reserved letters and non-letters are refused", () => {
    const l = defaultLetters(classes);
    const moved = assignLetter(l, 5, "R");
    expect(moved.ok && moved.letters.get(5)).toBe("r");
    expect(moved.ok && moved.letters.has(0)).toBe(false);
    expect(assignLetter(l, 5, "b")).toEqual({ ok: false, error: "“B” is a tool key." });
    expect(assignLetter(l, 5, "7").ok).toBe(false);
    expect(assignLetter(l, 5, "xy").ok).toBe(false);
    const removed = assignLetter(l, 5, "");
    expect(removed.ok && removed.letters.has(5)).toBe(false);
  });

  it("are stored per project, falling back to the defaults", () => {
    const data = new Map<string, string>();
    const storage: KeyValueStorage = {
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    };
    const store = new ClassLetterStore(storage);
    expect(store.load(1, classes)).toEqual(defaultLetters(classes));
    store.save(1, new Map([[0, "q"], [5, "w"]]));
    expect(Object.fromEntries(store.load(1, classes))).toEqual({ 0: "q", 5: "w" });
    expect(store.load(2, classes)).toEqual(defaultLetters(classes));
    data.set("segloop.letters.3", JSON.stringify({ 0: "b", 1: "x", 99: "y", 2: 5 }));
    expect(Object.fromEntries(store.load(3, classes))).toEqual({ 1: "x" });
    data.set("segloop.letters.4", "{oops");
    expect(store.load(4, classes)).toEqual(defaultLetters(classes));
  });
});
