import { describe, expect, it } from "vitest";
import { InvalidOptionsError, NotOwnedError, RateLimitedError, UnavailableError } from "../auth0/errors";
import { SECRET_UNREADABLE_MESSAGE } from "../auth0/user-messages.server";
import { SecretOpenError } from "../platform/secrets.server";
import { moveAfterError } from "./retry-policy.server";

const backoff = { baseMs: 1000, maxMs: 60_000 };
const now = 1_800_000_000_000;
const mid = () => 0.5;

describe("where a job goes after a failed step", () => {
  it("a 429 waits for the tenant's reset and gives the attempt back", () => {
    const move = moveAfterError(
      new RateLimitedError("slow down", now + 3000),
      { attempts: 8, max_attempts: 8 },
      backoff,
      2,
      now,
      mid,
    );
    expect(move).toMatchObject({ to: "queued", giveAttemptBack: true, rateLimited: 2 });
    expect(move.to === "queued" && move.runAt.getTime()).toBe(now + 3000 + 125);
  });

  it("what Auth0 refuses fails at once, a refusal of another organization's connection as denied", () => {
    expect(
      moveAfterError(
        new InvalidOptionsError("bad cert", "options.signingCert"),
        { attempts: 1, max_attempts: 8 },
        backoff,
        0,
        now,
        mid,
      ),
    ).toMatchObject({
      to: "failed",
      error: {
        kind: "invalid_options",
        outcome: "failure",
        message: "Auth0 refused the configuration (options.signingCert): bad cert",
      },
    });
    expect(
      moveAfterError(
        new NotOwnedError("theirs", "con_1", "org-2"),
        { attempts: 1, max_attempts: 8 },
        backoff,
        0,
        now,
        mid,
      ),
    ).toMatchObject({
      to: "failed",
      error: { kind: "not_owned", outcome: "denied" },
    });
  });

  it("a secret that will not open fails at once and says so without the secret", () => {
    const move = moveAfterError(
      new SecretOpenError("key-mismatch", "sealed under k1, have k2"),
      { attempts: 1, max_attempts: 8 },
      backoff,
      0,
      now,
      mid,
    );
    expect(move).toMatchObject({ to: "failed", error: { kind: "secret", message: SECRET_UNREADABLE_MESSAGE } });
  });

  it("Auth0 unavailable: back off exponentially, then dead once out of attempts", () => {
    const third = moveAfterError(new UnavailableError("down"), { attempts: 3, max_attempts: 8 }, backoff, 0, now, mid);
    expect(third.to === "queued" && third.runAt.getTime()).toBe(now + 4000);
    const capped = moveAfterError(new UnavailableError("down"), { attempts: 7, max_attempts: 8 }, backoff, 0, now, mid);
    expect(capped.to === "queued" && capped.runAt.getTime()).toBe(now + 60_000);
    expect(
      moveAfterError(new UnavailableError("down"), { attempts: 8, max_attempts: 8 }, backoff, 0, now, mid),
    ).toMatchObject({
      to: "dead",
      error: { kind: "unavailable" },
    });
  });
});
