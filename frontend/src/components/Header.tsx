import { Logo } from "./Logo";
import { useApp } from "../state/context";
import type { Route } from "../domain/router";

interface Props {
  route: Route;
  onNavigate: (route: Route) => void;
  onSignOut: () => void;
}

export function Header({ route, onNavigate, onSignOut }: Props) {
  const { user } = useApp();
  const tabs: { label: string; route: Route; active: boolean; testId: string }[] = [
    { label: "Annotate", route: { view: "annotate", projectId: null }, active: route.view === "annotate", testId: "nav-annotate" },
  ];
  if (user.role === "admin") {
    tabs.push({ label: "Admin", route: { view: "admin", projectId: null, tab: "rounds" }, active: route.view !== "annotate", testId: "nav-admin" });
  }
  return (
    <header class="topbar">
      <div class="brand">
        <Logo />
        segloop
      </div>
      <nav class="tabs" aria-label="Main">
        {tabs.map((t) => (
          <a
            key={t.label}
            href={t.route.view === "annotate" ? "/annotate" : "/admin"}
            class={t.active ? "tab active" : "tab"}
            aria-current={t.active ? "page" : undefined}
            data-testid={t.testId}
            onClick={(e) => {
              e.preventDefault();
              onNavigate(t.route);
            }}
          >
            {t.label}
          </a>
        ))}
      </nav>
      <div class="topbar-user">
        <span class="user-email" data-testid="user-email">
          {user.email}
        </span>
        <span class={`role role-${user.role}`}>{user.role}</span>
        <button type="button" class="btn btn-ghost btn-sm" data-testid="sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
