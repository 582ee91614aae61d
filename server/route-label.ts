import type { ServerBuild } from "@remix-run/node";

/**
 * The URL pattern of the Remix route a path lands on (/orgs/:slug, not /orgs/acme), for metrics
 * labels: one series per page, however many organizations there are. Built once from the
 * server build's route manifest; the most specific pattern wins (static segments over params
 * over the catch-all), as Remix matches.
 */
interface Pattern {
  label: string;
  regex: RegExp;
  score: number;
}

export type RouteLabeler = (path: string) => string;

export function createRouteLabeler(routes: ServerBuild["routes"]): RouteLabeler {
  const fullPath = (id: string): string => {
    const route = routes[id];
    if (!route) return "";
    const parent = route.parentId ? fullPath(route.parentId) : "";
    return route.path ? `${parent}/${route.path}`.replace(/\/+/g, "/") : parent;
  };
  const patterns: Pattern[] = [];
  const seen = new Set<string>();
  for (const id of Object.keys(routes)) {
    const label = fullPath(id) || "/";
    if (seen.has(label)) continue;
    seen.add(label);
    const segments = label.split("/").filter(Boolean);
    let score = 0;
    const regex = segments
      .map((s) => {
        if (s === "*") return "(?:/.*)?";
        if (s.startsWith(":")) {
          score += 2;
          return "/[^/]+";
        }
        score += 3;
        return `/${s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      })
      .join("");
    patterns.push({ label, regex: new RegExp(`^${regex}/?$`), score: label.endsWith("*") ? -1 : score });
  }
  patterns.sort((a, b) => b.score - a.score);
  return (path) => {
    // Single-fetch data requests (/orgs/acme.data, /_root.data) are the same page's.
    const clean = path
      .split("?")[0]!
      .replace(/\.data$/, "")
      .replace(/^\/_root$/, "/");
    for (const p of patterns) if (p.regex.test(clean)) return p.label;
    return "unmatched";
  };
}
