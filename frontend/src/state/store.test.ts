import { describe, expect, it } from "vitest";
import { Store } from "./store";

type Action = { type: "add"; n: number } | { type: "same" };
const reducer = (s: { total: number }, a: Action) => (a.type === "add" ? { total: s.total + a.n } : s);

describe("Store", () => {
  it("applies actions through the reducer and is readable at once", () => {
    const store = new Store(reducer, { total: 0 });
    store.dispatch({ type: "add", n: 2 });
    store.dispatch({ type: "add", n: 3 });
    expect(store.getState()).toEqual({ total: 5 });
  });

  it("tells subscribers about changes only, until they unsubscribe", () => {
    const store = new Store(reducer, { total: 0 });
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.dispatch({ type: "same" });
    expect(calls).toBe(0);
    store.dispatch({ type: "add", n: 1 });
    expect(calls).toBe(1);
    off();
    store.dispatch({ type: "add", n: 1 });
    expect(calls).toBe(1);
  });

  it("lets a listener unsubscribe while being notified", () => {
    const store = new Store(reducer, { total: 0 });
    const seen: string[] = [];
    const offA = store.subscribe(() => {
      seen.push("a");
      offA();
    });
    store.subscribe(() => seen.push("b"));
    store.dispatch({ type: "add", n: 1 });
    store.dispatch({ type: "add", n: 1 });
    expect(seen).toEqual(["a", "b", "b"]);
  });
});
