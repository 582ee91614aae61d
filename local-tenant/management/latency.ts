import type { RequestHandler } from "express";
import type { TenantContext } from "../context.js";

/**
 * Auth0's own pace: a Management API request to a real tenant takes roughly 100–300 ms. The local
 * tenant answers in about a millisecond, which hides every race between a read and the write that
 * follows it and makes one-at-a-time engines look fast. With a latency set, every /api/v2 request
 * waits `ms` ± `jitterMs` (uniform) on a timer before it reaches the rate limiter and its handler —
 * the event loop stays free, so any number of requests wait at once, as they would on the network.
 */
export interface Latency {
  ms: number;
  jitterMs: number;
}

export const NO_LATENCY: Latency = { ms: 0, jitterMs: 0 };

/** The delay of one request: uniform in [ms − jitter, ms + jitter], never below zero. */
export function delayOf(latency: Latency, random: () => number = Math.random): number {
  if (latency.ms <= 0 && latency.jitterMs <= 0) return 0;
  return Math.max(0, latency.ms + (random() * 2 - 1) * latency.jitterMs);
}

export function latencyMiddleware(ctx: TenantContext): RequestHandler {
  return (_req, _res, next) => {
    const delay = delayOf(ctx.latency);
    if (delay <= 0) return next();
    setTimeout(next, delay);
  };
}
