// eslint-disable-next-line no-restricted-imports -- the Link this module wraps
import { Link as RemixLink } from "@remix-run/react";
import type { ReactNode } from "react";
import { renderToString } from "react-dom/server";
import { Outlet } from "react-router-dom";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { describe, expect, it } from "vitest";
import { Link, rendersDirectly, type LinkProps } from "./link";

/**
 * On the server, `Link` writes a plain path's `<a>` itself. Each case is rendered twice at the
 * location a page would have, once through Remix's `Link` and once through ours, inside the static
 * router Remix renders documents with. The two must be the same markup. A plain path must take the
 * short way; anything else must be left to Remix.
 */
async function render(element: ReactNode): Promise<string> {
  const routes = [{ path: "/", element: <Outlet />, children: [{ path: "orgs/:slug/sso", element }] }];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request("http://portal.test/orgs/acme/sso"));
  if (context instanceof Response) throw new Error("the static handler answered a Response");
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(<StaticRouterProvider router={router} context={context} hydrate={false} />);
}

const direct: LinkProps[] = [
  { to: "/" },
  { to: "/support/orgs/acme" },
  { to: "/orgs/acme-corp_2/sso/versions" },
  { to: "/support/changes?org=acme" },
  { to: "/support/changes?state=pending_review&after=2026-12-05T08%3A31%3A22.640Z_125" },
  { to: "/orgs/acme/sso#change-3" },
  { to: "/support/health?sort=name&page=2#top" },
  { to: "/orgs/acme/sso", className: "button secondary", "aria-label": "Set up SSO", id: "setup" },
  { to: "/orgs/acme/sso", target: "_blank", rel: "noreferrer" },
  { to: "/orgs/acme/sso", replace: true, state: { from: "test" }, preventScrollReset: true, viewTransition: true },
  { to: "/orgs/acme/sso", prefetch: "none", discover: "render" },
  { to: "/orgs/acme/sso", reloadDocument: false },
];

const leftToRemix: LinkProps[] = [
  { to: "versions" },
  { to: "../domains" },
  { to: "." },
  { to: "/orgs/acme/../globex" },
  { to: "/orgs/./acme" },
  { to: "/orgs/%2e%2e/acme" },
  { to: "/orgs/a b" },
  { to: "/orgs/ünï" },
  { to: "/orgs/acme?" },
  { to: "/orgs/acme#" },
  { to: "/orgs/acme?q=<b>" },
  { to: "//evil.example/x" },
  { to: "https://auth0.com/docs" },
  { to: { pathname: "/orgs/acme", search: "?a=1" } },
  { to: "/orgs/acme", reloadDocument: true },
  { to: "/orgs/acme", relative: "path" },
  { to: "/orgs/acme", prefetch: "intent" },
  { to: "/orgs/acme", discover: "none" },
];

describe("Link on the server", () => {
  it.each(direct.map((props) => [JSON.stringify(props.to), props] as const))(
    "%s: written directly, the same markup as Remix's",
    async (_, props) => {
      expect(rendersDirectly(props)).toBe(true);
      const ours = await render(<Link {...props}>Acme</Link>);
      expect(ours).toBe(await render(<RemixLink {...props}>Acme</RemixLink>));
      expect(ours).toContain('data-discover="true"');
    },
  );

  it.each(leftToRemix.map((props) => [JSON.stringify(props), props] as const))(
    "%s: left to Remix's Link",
    async (_, props) => {
      expect(rendersDirectly(props)).toBe(false);
      expect(await render(<Link {...props}>Acme</Link>)).toBe(await render(<RemixLink {...props}>Acme</RemixLink>));
    },
  );
});
