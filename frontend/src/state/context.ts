import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ApiClient, User } from "../api";
import type { AuthGate, TokenStore } from "./auth";
import type { CurrentTaskStore, SubmittedCache } from "../domain/draft";
import type { ClassLetterStore } from "../domain/keys";
import type { Route } from "../domain/router";

/** Long-lived services, created once in main.tsx. */
export interface Services {
  api: ApiClient;
  tokens: TokenStore;
  gate: AuthGate;
  /** Which task this browser is on, per user and project (resume after reload). */
  currentTasks: CurrentTaskStore;
  /** The annotator's class letters per project. */
  letters: ClassLetterStore;
  /** Labels this browser submitted recently, for corrections. */
  submitted: SubmittedCache;
}

export interface AppContextValue extends Services {
  user: User;
  navigate: (route: Route, options?: { replace?: boolean }) => void;
  /** True while the re-login dialog is up (keyboard shortcuts and timers pause). */
  loginOpen: boolean;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error("useApp outside AppContext");
  return ctx;
}
