import { createHash, timingSafeEqual } from "node:crypto";
import { getEnv } from "../platform/env.server";
import { logger } from "../platform/logger.server";

/**
 * Who may read /metrics: whoever sends `Authorization: Bearer <METRICS_TOKEN>`; without a
 * configured token, anyone in local mode and nobody otherwise. A session cookie is no key: the
 * numbers are an operator's, not a signed-in user's.
 */
export function metricsAllowed(authorization: string | null | undefined): boolean {
  const env = getEnv();
  const expected = env.METRICS_TOKEN;
  if (!expected) {
    if (!env.localMode) warnOnce();
    return env.localMode;
  }
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (!given) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

let warned = false;
function warnOnce(): void {
  if (warned) return;
  warned = true;
  logger.warn("/metrics refused: set METRICS_TOKEN and give it to Prometheus as a bearer token");
}

export function metricsRefusal(): Response {
  return new Response("Metrics need the bearer token configured as METRICS_TOKEN.\n", {
    status: 401,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "www-authenticate": 'Bearer realm="metrics"',
      "cache-control": "no-store",
    },
  });
}
