import { Management, type ManagementError } from "auth0";
import { ConnectionsClient } from "auth0/connections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_CONNECTION_ID } from "../../local-tenant/seed.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";

const GLOBAL_LIMIT_BODY = {
  statusCode: 429,
  error: "Too Many Requests",
  message: "Global limit has been reached",
  errorCode: "too_many_requests",
};

let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startHarness({ rateLimit: "off" });
  token = await h.token();
});
afterAll(async () => {
  await h?.close();
});

/** Switching the preset starts it from a full bucket. */
function freshPreset(preset: "free" | "enterprise"): void {
  h.tenant.setRateLimit(preset);
}

describe("Management API rate limits", () => {
  it("counts down x-ratelimit-remaining from the burst and sends the reset as epoch seconds", async () => {
    freshPreset("enterprise");
    const connections = new ConnectionsClient(h.clientOptions(token));
    const first = await connections.get(DATABASE_CONNECTION_ID).withRawResponse();
    const second = await connections.get(DATABASE_CONNECTION_ID).withRawResponse();
    expect(first.rawResponse.headers.get("x-ratelimit-limit")).toBe("50");
    expect(Number(first.rawResponse.headers.get("x-ratelimit-remaining"))).toBe(49);
    expect(Number(second.rawResponse.headers.get("x-ratelimit-remaining"))).toBeLessThanOrEqual(49);
    const reset = Number(first.rawResponse.headers.get("x-ratelimit-reset"));
    expect(Math.abs(reset - Date.now() / 1000)).toBeLessThan(5);
  });

  it("on the free preset a burst gets 429s, and the SDK's retries still get every call through", async () => {
    freshPreset("free");
    const connections = new ConnectionsClient(h.clientOptions(token));
    const before = h.exchanges.length;
    const results = await Promise.all(Array.from({ length: 4 }, () => connections.get(DATABASE_CONNECTION_ID)));
    expect(results.every((c) => c.id === DATABASE_CONNECTION_ID)).toBe(true);
    const limited = h.exchanges.slice(before).filter((e) => e.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const e of limited) {
      expect(e.responseBody).toEqual(GLOBAL_LIMIT_BODY);
      expect(e.headers.get("x-ratelimit-limit")).toBe("2");
      expect(e.headers.get("x-ratelimit-remaining")).toBe("0");
    }
  });

  it("with maxRetries 0 the SDK surfaces the 429 to the caller", async () => {
    freshPreset("free");
    const connections = new ConnectionsClient(h.clientOptions(token, { maxRetries: 0 }));
    const settled = await Promise.allSettled(Array.from({ length: 4 }, () => connections.get(DATABASE_CONNECTION_ID)));
    const rejected = settled
      .filter((s): s is PromiseRejectedResult => s.status === "rejected")
      .map((s) => s.reason as ManagementError);
    // Burst 2: the first two get through; the rest find the bucket empty (refill is 1 per 500 ms).
    expect(settled.filter((s) => s.status === "fulfilled").length).toBeGreaterThanOrEqual(2);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const err of rejected) {
      expect(err).toBeInstanceOf(Management.TooManyRequestsError);
      expect(err.statusCode).toBe(429);
      expect(err.body).toEqual(GLOBAL_LIMIT_BODY);
    }
  });

  it("the full ManagementClient shares the same bucket across resources", async () => {
    freshPreset("free");
    const client = h.management(undefined, { maxRetries: 0 });
    const settled = await Promise.allSettled([
      client.connections.get(DATABASE_CONNECTION_ID),
      client.clients.get(h.tenant.portalClient.clientId),
      client.organizations.list(),
    ]);
    expect(settled.filter((s) => s.status === "rejected").length).toBeGreaterThanOrEqual(1);
  });

  it("turning the limit off lets a burst through", async () => {
    h.tenant.setRateLimit("off");
    const connections = new ConnectionsClient(h.clientOptions(token, { maxRetries: 0 }));
    const all = await Promise.all(Array.from({ length: 30 }, () => connections.get(DATABASE_CONNECTION_ID)));
    expect(all).toHaveLength(30);
  });

  it("every recorded exchange, 429s included, matches Auth0's OpenAPI document", () => {
    expect(h.violations()).toEqual([]);
  });
});
