import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { errorText, type User } from "../api";
import { AppContext, type AppContextValue, type Services } from "../state/context";
import { landingRoute } from "../domain/landing";
import { parseRoute, routePath, sameRoute, type Route } from "../domain/router";
import { AdminView } from "./AdminView";
import { AnnotateView } from "./AnnotateView";
import { Header } from "./Header";
import { LoginForm } from "./LoginForm";

type Boot = "checking" | "signed-out" | "ready";

export function App({ services }: { services: Services }) {
  const { api, tokens, gate } = services;
  const [user, setUser] = useState<User | null>(null);
  const [boot, setBoot] = useState<Boot>(tokens.get() ? "checking" : "signed-out");
  const [bootError, setBootError] = useState<string | null>(null);
  const [loginNeeded, setLoginNeeded] = useState(gate.loginNeeded);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  /** Bumped when a different user signs in: views remount with fresh state. */
  const [sessionKey, setSessionKey] = useState(0);
  /** Signed in at "/": the first screen depends on what there is to label (see landing.ts). */
  const [landing, setLanding] = useState(() => window.location.pathname === "/");

  useEffect(() => gate.subscribe(setLoginNeeded), [gate]);

  useEffect(() => {
    const onPop = (): void => setRoute(parseRoute(window.location.pathname));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  const navigate = useCallback((next: Route, options?: { replace?: boolean }) => {
    const path = routePath(next);
    if (path !== window.location.pathname) {
      if (options?.replace) window.history.replaceState(null, "", path);
      else window.history.pushState(null, "", path);
    }
    setRoute(next);
  }, []);

  const loadMe = useCallback(async () => {
    try {
      const me = await api.me();
      setUser((prev) => {
        if (prev && prev.id !== me.id) setSessionKey((k) => k + 1);
        return me;
      });
      setBoot("ready");
      setBootError(null);
    } catch (err) {
      setBootError(errorText(err));
      setBoot("signed-out");
    }
  }, [api]);

  useEffect(() => {
    if (boot === "checking") void loadMe();
  }, []); // start-up only

  useEffect(() => {
    if (!user || !landing) return;
    const run = { cancelled: false };
    void (async () => {
      try {
        const projects = await api.listProjects();
        const rounds = await Promise.all(projects.map(async (p) => [p.id, await api.listRounds(p.id)] as const));
        if (!run.cancelled) navigate(landingRoute(user, projects, new Map(rounds)), { replace: true });
      } catch {
        // The default screen will show the error itself.
      } finally {
        if (!run.cancelled) setLanding(false);
      }
    })();
    return () => {
      run.cancelled = true;
    };
  }, [user, landing, api, navigate]);

  // Canonical URL for "/" and friends.
  useEffect(() => {
    const path = routePath(route);
    if (user && !landing && path !== window.location.pathname) window.history.replaceState(null, "", path);
  }, [route, user, landing]);

  const onLoggedIn = useCallback(
    (token: string) => {
      tokens.set(token);
      if (gate.loginNeeded) {
        // Requests waiting on the 401 are retried with the new token; then check who signed in.
        gate.loggedIn();
      }
      void loadMe();
    },
    [gate, tokens, loadMe],
  );

  const signOut = useCallback(() => {
    tokens.clear();
    gate.cancel();
    setUser(null);
    setBoot("signed-out");
    setSessionKey((k) => k + 1);
    // The next person to sign in lands as anyone signing in at "/" does.
    window.history.replaceState(null, "", "/");
    setRoute(parseRoute("/"));
    setLanding(true);
  }, [tokens, gate]);

  const ctx = useMemo<AppContextValue | null>(
    () => (user ? { ...services, user, navigate, loginOpen: loginNeeded } : null),
    [services, user, navigate, loginNeeded],
  );

  if (!user || !ctx || landing) {
    if ((boot === "checking" || (user && landing)) && !loginNeeded) {
      return <div class="splash">Loading…</div>;
    }
    return (
      <div class="login-page">
        <LoginForm api={api} onLoggedIn={onLoggedIn} notice={bootError} />
      </div>
    );
  }

  const view =
    route.view === "annotate" ? (
      <AnnotateView key={`a${sessionKey}`} projectId={route.projectId} />
    ) : (
      <AdminView key={`m${sessionKey}`} route={route} />
    );

  return (
    <AppContext.Provider value={ctx}>
      <div class="app">
        <Header route={route} onNavigate={(r) => !sameRoute(r, route) && navigate(r)} onSignOut={signOut} />
        <main class="main">{view}</main>
      </div>
      {loginNeeded && (
        <div class="modal-backdrop" role="presentation">
          <div class="modal" role="dialog" aria-modal="true" aria-labelledby="relogin-title">
            <LoginForm
              api={api}
              onLoggedIn={onLoggedIn}
              initialEmail={user.email}
              titleId="relogin-title"
              title="Session expired"
              notice="Sign in again to carry on — your current task and labels are kept."
              onCancel={signOut}
            />
          </div>
        </div>
      )}
    </AppContext.Provider>
  );
}
