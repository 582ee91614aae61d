import { describe, expect, it } from "vitest";
import type { RateLimitPreset } from "../context.js";
import { createTokenBucket } from "./rate-limit.js";

describe("Management API token bucket", () => {
  it("lets the free preset's burst of 2 through, then refuses until a token is refilled", () => {
    const bucket = createTokenBucket(() => "free");
    const t0 = 1_800_000_000_000;
    expect(bucket.take(t0)).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(bucket.take(t0)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = bucket.take(t0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    // 2/s: the next token arrives 500 ms later; the reset is in whole epoch seconds.
    expect(refused.reset).toBe(Math.ceil((t0 + 500) / 1000));
    expect(bucket.take(t0 + 499).allowed).toBe(false);
    expect(bucket.take(t0 + 1000).allowed).toBe(true);
  });

  it("refills at 16/s up to the enterprise burst of 50 and never beyond", () => {
    const bucket = createTokenBucket(() => "enterprise");
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 50; i++) expect(bucket.take(t0).allowed).toBe(true);
    expect(bucket.take(t0).allowed).toBe(false);
    expect(bucket.take(t0 + 1000)).toMatchObject({ allowed: true, remaining: 15 });
    expect(bucket.take(t0 + 3_600_000)).toMatchObject({ allowed: true, remaining: 49 });
  });

  it("starts a new preset from a full bucket and can be refilled on demand", () => {
    let preset: RateLimitPreset = "free";
    const bucket = createTokenBucket(() => preset);
    const t0 = 1_800_000_000_000;
    bucket.take(t0);
    bucket.take(t0);
    expect(bucket.take(t0).allowed).toBe(false);
    bucket.refill();
    expect(bucket.take(t0).allowed).toBe(true);
    preset = "off";
    for (let i = 0; i < 1000; i++) expect(bucket.take(t0).allowed).toBe(true);
  });
});
