import { Auth0GatewayError, NotOwnedError, RateLimitedError } from "../auth0/errors";
import { errorKindOf, userMessage } from "../auth0/user-messages.server";
import type { ApplyJob } from "../platform/db/schema";
import { SecretOpenError } from "../platform/secrets.server";
import type { JobError, JobMove } from "./move-job.server";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * Where a running job goes after a step failed:
 * - 429: back to the queue until the tenant's reset, without using up an attempt (not the job's fault);
 * - Auth0 refused it (invalid, conflict, not owned, missing scope) or its secret will not open:
 *   failed at once — trying again cannot help;
 * - anything else (5xx, timeouts, network, database trouble): back to the queue with exponential
 *   backoff and ±20 % jitter, dead once out of attempts.
 */
export function moveAfterError(
  err: unknown,
  job: Pick<ApplyJob, "attempts" | "max_attempts">,
  backoff: Backoff,
  rateLimited: number,
  now = Date.now(),
  random: () => number = Math.random,
): JobMove {
  const error: JobError = {
    kind: errorKindOf(err),
    message: userMessage(err),
    outcome: err instanceof NotOwnedError ? "denied" : "failure",
  };
  if (err instanceof RateLimitedError) {
    const at = Math.max(err.resetAt ?? now + 1000, now + 50) + Math.floor(random() * 250);
    return { to: "queued", runAt: new Date(at), giveAttemptBack: true, error, rateLimited };
  }
  if ((err instanceof Auth0GatewayError && !err.retryable) || err instanceof SecretOpenError) {
    return { to: "failed", error, rateLimited };
  }
  if (job.attempts >= job.max_attempts) return { to: "dead", error, rateLimited };
  const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (job.attempts - 1)) * (0.8 + random() * 0.4);
  return { to: "queued", runAt: new Date(now + delay), error, rateLimited };
}
