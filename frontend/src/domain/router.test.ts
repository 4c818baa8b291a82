import { describe, expect, it } from "vitest";
import { parseRoute, routePath, type Route } from "./router";

describe("router", () => {
  it("parses the known paths", () => {
    expect(parseRoute("/")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/annotate")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/annotate/projects/12")).toEqual({ view: "annotate", projectId: 12 });
    expect(parseRoute("/admin")).toEqual({ view: "admin", projectId: null, tab: "rounds" });
    expect(parseRoute("/admin/projects/3/")).toEqual({ view: "admin", projectId: 3, tab: "rounds" });
    expect(parseRoute("/admin/projects/3/datasets")).toEqual({ view: "admin", projectId: 3, tab: "datasets" });
    expect(parseRoute("/admin/projects/3/members")).toEqual({ view: "admin", projectId: 3, tab: "members" });
    expect(parseRoute("/admin/projects/3/ledger")).toEqual({ view: "admin", projectId: 3, tab: "ledger" });
    expect(parseRoute("/admin/new")).toEqual({ view: "admin-new" });
  });

  it("falls back for unknown paths, tabs and bad ids", () => {
    expect(parseRoute("/whatever")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/annotate/projects/abc")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/admin/projects/-1")).toEqual({ view: "admin", projectId: null, tab: "rounds" });
    expect(parseRoute("/admin/projects/4/nope")).toEqual({ view: "admin", projectId: 4, tab: "rounds" });
  });

  it("round-trips", () => {
    const routes: Route[] = [
      { view: "annotate", projectId: null },
      { view: "annotate", projectId: 5 },
      { view: "admin", projectId: null, tab: "rounds" },
      { view: "admin", projectId: 9, tab: "rounds" },
      { view: "admin", projectId: 9, tab: "settings" },
      { view: "admin", projectId: 9, tab: "datasets" },
      { view: "admin-new" },
    ];
    for (const r of routes) expect(parseRoute(routePath(r))).toEqual(r);
    expect(routePath({ view: "admin", projectId: 9, tab: "rounds" })).toBe("/admin/projects/9");
  });
});
