/** Token persistence and the "please sign in again" gate used by the API client. */

import type { KeyValueStorage } from "../domain/storage";

const TOKEN_KEY = "segloop.token";

export class TokenStore {
  private token: string | null;

  constructor(private readonly storage: KeyValueStorage | null) {
    this.token = safe(() => storage?.getItem(TOKEN_KEY) ?? null, null);
  }

  get(): string | null {
    return this.token;
  }

  set(token: string): void {
    this.token = token;
    safe(() => this.storage?.setItem(TOKEN_KEY, token), undefined);
  }

  clear(): void {
    this.token = null;
    safe(() => this.storage?.removeItem(TOKEN_KEY), undefined);
  }
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback; // storage disabled (private mode, sandboxed iframe)
  }
}

/**
 * Coordinates re-authentication. Any number of failed requests call
 * `waitForLogin()`; they all share one pending promise that resolves when the
 * user signs in again (`loggedIn()`), so every request is retried afterwards.
 */
export class AuthGate {
  private pending: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null =
    null;
  private readonly listeners = new Set<(needed: boolean) => void>();

  get loginNeeded(): boolean {
    return this.pending !== null;
  }

  waitForLogin(): Promise<void> {
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.pending = { promise, resolve, reject };
      this.emit(true);
    }
    return this.pending.promise;
  }

  /** The user signed in again: release every waiting request. */
  loggedIn(): void {
    const p = this.pending;
    this.pending = null;
    if (p) {
      p.resolve();
      this.emit(false);
    }
  }

  /** Give up (e.g. sign out): every waiting request rejects. */
  cancel(reason = "Signed out"): void {
    const p = this.pending;
    this.pending = null;
    if (p) {
      p.reject(new Error(reason));
      this.emit(false);
    }
  }

  subscribe(listener: (needed: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(needed: boolean): void {
    for (const l of this.listeners) l(needed);
  }
}
