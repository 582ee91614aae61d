import { describe, expect, it } from "vitest";
import { InvalidOptionsError, NotOwnedError, RateLimitedError, UnavailableError } from "../auth0/errors";
import { SECRET_UNREADABLE_MESSAGE } from "../auth0/user-messages.server";
import { SecretOpenError } from "../platform/secrets.server";
import { moveAfterError } from "./retry-policy.server";

const backoff = { baseMs: 1000, maxMs: 60_000 };
const now = 1_800_000_000_000;
const mid = () => 0.5;

/** Where a job of 8 attempts goes after `err` on attempt `attempts` (`rateLimited` 429s so far). */
const moveAfter = (err: unknown, attempts: number, rateLimited = 0) =>
  moveAfterError(err, { attempts, max_attempts: 8 }, backoff, rateLimited, now, mid);

describe("where a job goes after a failed step", () => {
  it("a 429 waits for the tenant's reset and gives the attempt back", () => {
    const move = moveAfter(new RateLimitedError("slow down", now + 3000), 8, 2);
    expect(move).toMatchObject({ to: "queued", giveAttemptBack: true, rateLimited: 2 });
    expect(move.to === "queued" && move.runAt.getTime()).toBe(now + 3000 + 125);
  });

  it("what Auth0 refuses fails at once, a refusal of another organization's connection as denied", () => {
    expect(moveAfter(new InvalidOptionsError("bad cert", "options.signingCert"), 1)).toMatchObject({
      to: "failed",
      error: {
        kind: "invalid_options",
        outcome: "failure",
        message: "Auth0 refused the configuration (options.signingCert): bad cert",
      },
    });
    expect(moveAfter(new NotOwnedError("theirs", "con_1", "org-2"), 1)).toMatchObject({
      to: "failed",
      error: { kind: "not_owned", outcome: "denied" },
    });
  });

  it("a secret that will not open fails at once and says so without the secret", () => {
    const move = moveAfter(new SecretOpenError("key-mismatch", "sealed under k1, have k2"), 1);
    expect(move).toMatchObject({ to: "failed", error: { kind: "secret", message: SECRET_UNREADABLE_MESSAGE } });
  });

  it("Auth0 unavailable: back off exponentially, then dead once out of attempts", () => {
    const third = moveAfter(new UnavailableError("down"), 3);
    expect(third.to === "queued" && third.runAt.getTime()).toBe(now + 4000);
    const capped = moveAfter(new UnavailableError("down"), 7);
    expect(capped.to === "queued" && capped.runAt.getTime()).toBe(now + 60_000);
    expect(moveAfter(new UnavailableError("down"), 8)).toMatchObject({
      to: "dead",
      error: { kind: "unavailable" },
    });
  });
});
