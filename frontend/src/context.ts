import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ApiClient, User } from "./api";
import type { AuthGate, TokenStore } from "./auth";
import type { DraftStore } from "./draft";
import type { Route } from "./router";

/** Long-lived services, created once in main.tsx. */
export interface Services {
  api: ApiClient;
  tokens: TokenStore;
  gate: AuthGate;
  drafts: DraftStore;
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
