import type { IncomingMessage, ServerResponse } from "node:http";
import { recordRefusal } from "~/services/audit/security-log.server";
import { getDb } from "~/services/platform/db.server";
import { logger } from "~/services/platform/logger.server";
import { maskSecretPath } from "~/services/platform/secret-paths";
import { header, sendText } from "./plain-http";

/**
 * Cross-site request forgery defence on top of SameSite=Lax cookies: every request that can
 * change something (any method but GET, HEAD, OPTIONS) must come from the portal's own pages.
 * Browsers say so in `Sec-Fetch-Site` (same-origin) and `Origin`; a request that carries
 * neither header is refused too, since every browser sends Origin on a POST.
 */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

export function judgeOrigin(
  method: string,
  headers: { origin?: string; secFetchSite?: string },
  publicOrigin: string,
): OriginVerdict {
  if (SAFE_METHODS.has(method.toUpperCase())) return { ok: true };
  const site = headers.secFetchSite?.toLowerCase();
  if (site !== undefined && site !== "same-origin") return { ok: false, reason: `Sec-Fetch-Site is ${site}` };
  const origin = headers.origin;
  if (origin !== undefined) {
    if (origin !== publicOrigin) return { ok: false, reason: `Origin ${origin.slice(0, 100)} is not ${publicOrigin}` };
    return { ok: true };
  }
  if (site === "same-origin") return { ok: true };
  return { ok: false, reason: "neither Origin nor Sec-Fetch-Site was sent" };
}

/**
 * The JSON API authenticates each request by its bearer key and never by a cookie (the cookie is
 * not even read there), so a forged cross-site request carries nothing that grants anything;
 * the vendor's systems calling it send no Origin. Its paths are left to the API's own check.
 */
export function isBearerOnlyPath(path: string): boolean {
  // Only a path that stays below /api/v1 once dot segments (also %2e%2e) are resolved, as the router resolves them.
  if (new URL(path, "http://portal.invalid").pathname !== path) return false;
  return path === "/api/v1" || path.startsWith("/api/v1/");
}

/**
 * Lets a request on (true), or refuses it (false): the refusal is audited and answered 403 once
 * the audit row is written. `path` is the request's path without its query.
 */
export function sameOriginGuard(
  publicOrigin: () => string,
): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  return (req, res, path) => {
    const method = req.method ?? "GET";
    const verdict = judgeOrigin(
      method,
      { origin: header(req, "origin"), secFetchSite: header(req, "sec-fetch-site") },
      publicOrigin(),
    );
    // The bearer-token API is asked only when the origin would be refused (it parses the path).
    if (verdict.ok || isBearerOnlyPath(path)) return true;
    void refuse(res, method, path, verdict.reason);
    return false;
  };
}

async function refuse(res: ServerResponse, method: string, path: string, reason: string): Promise<void> {
  logger.warn({ method, reason }, "cross-origin request refused");
  try {
    // Nobody is known on a cross-origin request: support's security log, counted per hour.
    await recordRefusal(await getDb(), {
      actorLabel: "unknown (cross-origin request)",
      action: "access.denied",
      route: `${method} ${maskSecretPath(path)}`,
      status: 403,
      reason,
    });
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "audit of a refused request failed");
  }
  sendText(
    res,
    403,
    "This request did not come from the portal's own pages and was refused. Reload the page and try again.",
  );
}
