import type { RequestHandler } from "express";
import type { RateLimitPreset, TenantContext } from "../context.js";
import { ApiError } from "./errors.js";

/**
 * Auth0's global Management API limit: one token bucket per tenant (burst = bucket size,
 * sustained = refill per second), numbers from Auth0's rate-limit policy pages.
 * `off` still sends headers (with a huge bucket) so clients that read them keep working.
 */

export const RATE_LIMIT_PRESETS: Record<RateLimitPreset, { burst: number; perSecond: number }> = {
  free: { burst: 2, perSecond: 2 },
  enterprise: { burst: 50, perSecond: 16 },
  off: { burst: 1_000_000, perSecond: 1_000_000 },
};

export interface TokenBucket {
  /** Takes one token if there is one; returns what the x-ratelimit-* headers should say. */
  take(nowMs: number): { allowed: boolean; limit: number; remaining: number; reset: number };
  /** Refills the bucket (next take starts from a full burst). */
  refill(): void;
}

export function createTokenBucket(preset: () => RateLimitPreset): TokenBucket {
  let current: RateLimitPreset | undefined;
  let tokens = 0;
  let updatedMs = 0;
  return {
    take(nowMs) {
      const p = preset();
      const { burst, perSecond } = RATE_LIMIT_PRESETS[p];
      if (p !== current) {
        // A preset change starts from a full bucket, like a freshly provisioned tenant.
        current = p;
        tokens = burst;
        updatedMs = nowMs;
      }
      tokens = Math.min(burst, tokens + ((nowMs - updatedMs) / 1000) * perSecond);
      updatedMs = nowMs;
      const allowed = tokens >= 1;
      if (allowed) tokens -= 1;
      // Reset: when the next whole token will be there (Auth0 sends epoch seconds).
      const missing = allowed ? Math.max(0, 1 - tokens) : 1 - tokens;
      const resetMs = nowMs + (missing / perSecond) * 1000;
      return {
        allowed,
        limit: burst,
        remaining: Math.floor(tokens),
        reset: Math.ceil(resetMs / 1000),
      };
    },
    refill() {
      current = undefined;
    },
  };
}

const buckets = new WeakMap<TenantContext, TokenBucket>();

/** Sets the tenant's preset at run time; the new bucket starts full, like a fresh tenant. */
export function setRateLimit(ctx: TenantContext, preset: RateLimitPreset): void {
  ctx.rateLimit = preset;
  buckets.get(ctx)?.refill();
}

export function rateLimiter(ctx: TenantContext): RequestHandler {
  const bucket = createTokenBucket(() => ctx.rateLimit);
  buckets.set(ctx, bucket);
  return (_req, res, next) => {
    const r = bucket.take(Date.now());
    res.set({
      "x-ratelimit-limit": String(r.limit),
      "x-ratelimit-remaining": String(r.remaining),
      "x-ratelimit-reset": String(r.reset),
    });
    if (!r.allowed) return next(new ApiError(429, "Global limit has been reached", "too_many_requests"));
    next();
  };
}
