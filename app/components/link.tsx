// eslint-disable-next-line no-restricted-imports -- the Link this module wraps
import { Link as RemixLink, type LinkProps } from "@remix-run/react";
import { forwardRef, useContext } from "react";
import { UNSAFE_NavigationContext } from "react-router-dom";

/**
 * Remix's `Link`, cheaper to render on the server. Each Remix `Link` resolves its path three times
 * (Remix's `useHref`, then React Router's `useHref` and click handler), and each resolution
 * JSON-encodes and re-parses the matched routes. A static router also turns every href into a `URL`
 * and back. That costs about 15 µs per link on the server, over a millisecond for the health
 * dashboard's 75 links (BENCHMARKS.md, "Session 26").
 *
 * For a plain absolute path, all that work writes the path back unchanged. On the server such a
 * link renders the same `<a>` directly: the same attributes, in the same order. A plain path has no
 * dot segment and nothing `URL` would encode. In the browser, and for any other link, it is
 * Remix's `Link`, so hydration finds the same markup and clicks navigate as before.
 * `link.server.test.tsx` renders both for a list of paths and holds them equal.
 */

/** An absolute path, query and fragment that React Router and `URL` would write back unchanged. */
const PLAIN_PATH =
  /^\/(?!\/)[A-Za-z0-9\-_~!$&'()*+,;=:@/]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]+)?(?:#[A-Za-z0-9\-._~]+)?$/;

/** Whether the server writes this link's `<a>` itself (a plain path, nothing Remix would add). */
export function rendersDirectly({ to, prefetch, discover, reloadDocument, relative }: LinkProps): boolean {
  return (
    typeof to === "string" &&
    PLAIN_PATH.test(to) &&
    (prefetch === undefined || prefetch === "none") &&
    (discover === undefined || discover === "render") &&
    !reloadDocument &&
    relative === undefined
  );
}

const ServerLink = forwardRef<HTMLAnchorElement, LinkProps>(function ServerLink(props, ref) {
  // The portal has no basename (vite.config.ts); with one, every path would need it in front.
  const { basename } = useContext(UNSAFE_NavigationContext);
  if (basename !== "/" || !rendersDirectly(props)) return <RemixLink ref={ref} {...props} />;
  // What React Router's Link keeps for itself (the click's behaviour); the rest reaches the <a>.
  const {
    to,
    target,
    prefetch: _prefetch,
    discover: _discover,
    reloadDocument: _reloadDocument,
    relative: _relative,
    replace: _replace,
    state: _state,
    preventScrollReset: _preventScrollReset,
    viewTransition: _viewTransition,
    onClick: _onClick,
    ...rest
  } = props;
  return <a {...rest} data-discover="true" href={to as string} ref={ref} target={target} />;
});

/** Remix's `Link`; on the server, a plain path renders without React Router's path resolution. */
export const Link: typeof RemixLink = typeof document === "undefined" ? ServerLink : RemixLink;

export type { LinkProps };
