import type { ServerBuild } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { createRouteLabeler } from "./route-label";

const route = (id: string, path: string | undefined, parentId = "root", index = false) => ({
  id,
  path,
  parentId,
  index,
  module: {},
});

const routes = {
  root: { id: "root", path: "", module: {} },
  "routes/_index": route("routes/_index", undefined, "root", true),
  "routes/orgs.$slug": route("routes/orgs.$slug", "orgs/:slug"),
  "routes/orgs.$slug.sso": route("routes/orgs.$slug.sso", "sso", "routes/orgs.$slug"),
  "routes/support": route("routes/support", "support"),
  "routes/support.jobs": route("routes/support.jobs", "jobs", "routes/support"),
  "routes/orgs.new": route("routes/orgs.new", "orgs/new"),
  "routes/$": route("routes/$", "*"),
  "routes/metrics": route("routes/metrics", "metrics"),
} as unknown as ServerBuild["routes"];

describe("route labels for metrics", () => {
  const label = createRouteLabeler(routes);
  it("names the pattern, not the organization", () => {
    expect(label("/orgs/acme")).toBe("/orgs/:slug");
    expect(label("/orgs/globex/sso")).toBe("/orgs/:slug/sso");
    expect(label("/orgs/acme.data")).toBe("/orgs/:slug");
    expect(label("/orgs/acme/sso?tab=2")).toBe("/orgs/:slug/sso");
  });
  it("prefers static segments, nests child routes, and sends the rest to the catch-all", () => {
    expect(label("/orgs/new")).toBe("/orgs/new");
    expect(label("/support/jobs")).toBe("/support/jobs");
    expect(label("/support")).toBe("/support");
    expect(label("/")).toBe("/");
    expect(label("/_root.data")).toBe("/");
    expect(label("/wp-admin/setup.php")).toBe("/*");
    expect(label("/metrics")).toBe("/metrics");
  });
});
