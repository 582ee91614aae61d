import { describe, expect, it } from "vitest";
import { delayOf, NO_LATENCY } from "./latency.js";

describe("Management API latency", () => {
  it("waits the latency give or take the jitter, uniformly, never less than nothing", () => {
    const latency = { ms: 150, jitterMs: 50 };
    expect(delayOf(latency, () => 0)).toBe(100);
    expect(delayOf(latency, () => 0.5)).toBe(150);
    expect(delayOf(latency, () => 1)).toBe(200);
    expect(delayOf({ ms: 10, jitterMs: 40 }, () => 0)).toBe(0);
  });

  it("answers at once by default", () => {
    expect(delayOf(NO_LATENCY)).toBe(0);
  });
});
