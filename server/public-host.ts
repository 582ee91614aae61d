import type { Request, RequestHandler } from "express";

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
export function believedForwardedHost(req: Request): string | undefined {
  const trust = req.app.get("trust proxy fn") as (address: string | undefined, hop: number) => boolean;
  const header = req.get("x-forwarded-host");
  if (!header || !trust(req.socket.remoteAddress, 0)) return undefined;
  return header.split(",")[0]!.trim() || undefined;
}

export function publicHostGuard(publicUrl: () => string, localMode: boolean): RequestHandler {
  return (req, res, next) => {
    const verdict = judgeHost(
      {
        method: req.method,
        path: req.path,
        originalUrl: req.originalUrl,
        host: req.get("host"),
        forwardedHost: believedForwardedHost(req),
      },
      new URL(publicUrl()),
      localMode,
    );
    if (verdict.ok) return next();
    if (verdict.status === 302) {
      res.redirect(302, verdict.location);
      return;
    }
    res.status(verdict.status).type("text/plain").send(verdict.message);
  };
}
