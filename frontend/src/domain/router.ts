/**
 * Path-based routes (the server answers index.html for unknown non-API paths).
 *   /annotate                          choose a project, label tasks
 *   /annotate/projects/:id             annotate that project
 *   /admin                             project list
 *   /admin/projects/:id[/:tab]         one project: rounds (default), ledger, datasets, settings, members
 *   /admin/new                         create a project
 */

export const ADMIN_TABS = ["rounds", "ledger", "datasets", "settings", "members"] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export type Route =
  | { view: "annotate"; projectId: number | null }
  | { view: "admin"; projectId: number | null; tab: AdminTab }
  | { view: "admin-new" };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter((p) => p !== "");
  const id = parseId(parts[2]);
  if (parts[0] === "admin") {
    if (parts[1] === "new") return { view: "admin-new" };
    const projectId = parts[1] === "projects" ? id : null;
    const tab = (ADMIN_TABS as readonly string[]).includes(parts[3] ?? "") ? (parts[3] as AdminTab) : "rounds";
    return { view: "admin", projectId, tab: projectId === null ? "rounds" : tab };
  }
  if (parts[0] === "annotate" && parts[1] === "projects") return { view: "annotate", projectId: id };
  return { view: "annotate", projectId: null };
}

export function routePath(route: Route): string {
  switch (route.view) {
    case "annotate":
      return route.projectId === null ? "/annotate" : `/annotate/projects/${route.projectId}`;
    case "admin":
      if (route.projectId === null) return "/admin";
      return route.tab === "rounds" ? `/admin/projects/${route.projectId}` : `/admin/projects/${route.projectId}/${route.tab}`;
    case "admin-new":
      return "/admin/new";
  }
}

export function sameRoute(a: Route, b: Route): boolean {
  return routePath(a) === routePath(b);
}

function parseId(s: string | undefined): number | null {
  if (s === undefined || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
