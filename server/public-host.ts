import type { IncomingMessage, ServerResponse } from "node:http";
import { header as requestHeader, redirect, sendText } from "./plain-http";
import type { TrustFunction } from "./trust-proxy";

/**
 * `PUBLIC_URL` is the one truth for the portal's origin. The host a request names — its `Host`
 * header, or `X-Forwarded-Host` when it comes from a proxy that TRUST_PROXY believes — is only
 * compared with it:
 * - a believed forwarded host that differs is a misconfigured proxy or PUBLIC_URL: 400, saying which;
 * - in local mode, another name for this machine (127.0.0.1 instead of localhost) is sent to the
 *   PUBLIC_URL host before anything is set, so the sign-in cookie and the callback agree;
 * - otherwise the Host header is not believed for anything (a proxy may rewrite it), and the
 *   request goes on as a request for PUBLIC_URL.
 */
export type HostVerdict =
  { ok: true } | { ok: false; status: 302; location: string } | { ok: false; status: 400; message: string };

/** Paths a load balancer or a script polls by whatever address it knows. */
const ANY_HOST_PATHS = new Set(["/healthz", "/readyz"]);

function sameHost(seen: string, publicUrl: URL): boolean {
  try {
    return new URL(`${publicUrl.protocol}//${seen}`).host === publicUrl.host;
  } catch {
    return false;
  }
}

export function judgeHost(
  request: { method: string; path: string; originalUrl: string; host?: string; forwardedHost?: string },
  publicUrl: URL,
  localMode: boolean,
): HostVerdict {
  if (ANY_HOST_PATHS.has(request.path)) return { ok: true };
  if (request.forwardedHost !== undefined) {
    if (sameHost(request.forwardedHost, publicUrl)) return { ok: true };
    return {
      ok: false,
      status: 400,
      message:
        `This request reached the portal through a proxy as ${request.forwardedHost.slice(0, 100)}, but the portal's ` +
        `address (PUBLIC_URL) is ${publicUrl.origin}. Open ${publicUrl.origin}, or set PUBLIC_URL to the address people open.`,
    };
  }
  if (!localMode || (request.host !== undefined && sameHost(request.host, publicUrl))) return { ok: true };
  if (request.method === "GET" || request.method === "HEAD") {
    // originalUrl always starts with "/", so this stays on PUBLIC_URL's origin.
    return { ok: false, status: 302, location: `${publicUrl.origin}${request.originalUrl}` };
  }
  return {
    ok: false,
    status: 400,
    message: `Open the portal at ${publicUrl.origin}: sign-in works only at that address.`,
  };
}

/** The first X-Forwarded-Host, when the peer is a proxy TRUST_PROXY believes. */
export function believedForwardedHost(req: IncomingMessage, trust: TrustFunction): string | undefined {
  const header = requestHeader(req, "x-forwarded-host");
  if (!header || !trust(req.socket.remoteAddress, 0)) return undefined;
  return header.split(",")[0]!.trim() || undefined;
}

/** PUBLIC_URL parsed once per value it takes (tests and startPortal may change it), not per request. */
export function parsedUrl(url: () => string): () => URL {
  let text: string | undefined;
  let parsed: URL | undefined;
  return () => {
    const current = url();
    if (current !== text || parsed === undefined) {
      parsed = new URL(current);
      text = current;
    }
    return parsed;
  };
}

/**
 * Answers a request for another address (see judgeHost) and returns false; true when the request
 * goes on. `path` is the request's path without its query; `req.url` starts with "/".
 */
export function publicHostGuard(
  publicUrl: () => URL,
  localMode: boolean,
  trust: TrustFunction,
): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  return (req, res, path) => {
    const verdict = judgeHost(
      {
        method: req.method ?? "GET",
        path,
        originalUrl: req.url ?? "/",
        host: req.headers.host,
        forwardedHost: believedForwardedHost(req, trust),
      },
      publicUrl(),
      localMode,
    );
    if (verdict.ok) return true;
    if (verdict.status === 302) redirect(res, verdict.location);
    else sendText(res, verdict.status, verdict.message);
    return false;
  };
}
