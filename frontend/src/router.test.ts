import { describe, expect, it } from "vitest";
import { parseRoute, routePath, type Route } from "./router";

describe("router", () => {
  it("parses the known paths", () => {
    expect(parseRoute("/")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/annotate")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/annotate/projects/12")).toEqual({ view: "annotate", projectId: 12 });
    expect(parseRoute("/admin")).toEqual({ view: "admin", projectId: null });
    expect(parseRoute("/admin/projects/3/")).toEqual({ view: "admin", projectId: 3 });
    expect(parseRoute("/admin/new")).toEqual({ view: "admin-new" });
  });

  it("falls back to annotate for unknown paths and bad ids", () => {
    expect(parseRoute("/whatever")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/annotate/projects/abc")).toEqual({ view: "annotate", projectId: null });
    expect(parseRoute("/admin/projects/-1")).toEqual({ view: "admin", projectId: null });
  });

  it("round-trips", () => {
    const routes: Route[] = [
      { view: "annotate", projectId: null },
      { view: "annotate", projectId: 5 },
      { view: "admin", projectId: null },
      { view: "admin", projectId: 9 },
      { view: "admin-new" },
    ];
    for (const r of routes) expect(parseRoute(routePath(r))).toEqual(r);
  });
});
