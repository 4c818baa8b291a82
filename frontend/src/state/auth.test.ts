import { describe, expect, it, vi } from "vitest";
import type { KeyValueStorage } from "../domain/storage";
import { AuthGate, TokenStore } from "./auth";

function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe("TokenStore", () => {
  it("persists and clears the token", () => {
    const s = memoryStorage();
    const a = new TokenStore(s);
    expect(a.get()).toBeNull();
    a.set("tok");
    expect(new TokenStore(s).get()).toBe("tok");
    a.clear();
    expect(a.get()).toBeNull();
    expect(new TokenStore(s).get()).toBeNull();
  });

  it("works without storage", () => {
    const t = new TokenStore(null);
    t.set("x");
    expect(t.get()).toBe("x");
  });

  it("survives a storage that throws", () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    const t = new TokenStore(broken);
    t.set("y");
    expect(t.get()).toBe("y");
  });
});

describe("AuthGate", () => {
  it("shares one pending login between concurrent requests and releases them all", async () => {
    const gate = new AuthGate();
    const seen: boolean[] = [];
    gate.subscribe((n) => seen.push(n));
    const a = gate.waitForLogin();
    const b = gate.waitForLogin();
    expect(a).toBe(b);
    expect(gate.loginNeeded).toBe(true);
    const done = vi.fn();
    void Promise.all([a, b]).then(done);
    gate.loggedIn();
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toHaveBeenCalled();
    expect(gate.loginNeeded).toBe(false);
    expect(seen).toEqual([true, false]);
  });

  it("rejects waiters on cancel", async () => {
    const gate = new AuthGate();
    const p = gate.waitForLogin();
    gate.cancel("bye");
    await expect(p).rejects.toThrow("bye");
  });

  it("ignores loggedIn when nothing waits", () => {
    const gate = new AuthGate();
    const l = vi.fn();
    gate.subscribe(l);
    gate.loggedIn();
    expect(l).not.toHaveBeenCalled();
  });
});
