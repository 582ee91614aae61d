import { ManagementError, ManagementTimeoutError } from "auth0";
import { describe, expect, it } from "vitest";
import {
  ConflictError,
  fieldFromMessage,
  InvalidOptionsError,
  MissingScopeError,
  NotFoundError,
  RateLimitedError,
  toGatewayError,
  UnavailableError,
} from "./errors";

function apiError(statusCode: number | undefined, body: unknown, headers: Record<string, string> = {}) {
  const rawResponse = {
    headers: new Headers(headers),
    redirected: false,
    status: statusCode ?? 0,
    statusText: "",
    type: "basic" as const,
    url: "",
  };
  return new ManagementError({ message: "x", statusCode, body, rawResponse });
}

describe("Auth0 error mapping", () => {
  it("maps a 409 to ConflictError with Auth0's message", () => {
    const e = toGatewayError(apiError(409, { message: "A connection with the same name already exists" }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toBe("A connection with the same name already exists");
    expect(e.retryable).toBe(false);
  });

  it("maps payload errors to InvalidOptionsError naming the field", () => {
    const e = toGatewayError(
      apiError(400, {
        message: "Payload validation error: 'String is too long (200 chars), maximum 128' on property display_name.",
      }),
    );
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).field).toBe("display_name");
    expect(fieldFromMessage("Payload validation error: 'Additional properties not allowed: strategy,name'.")).toBe(
      "strategy",
    );
  });

  it("maps a 429 to RateLimitedError with the reset in epoch ms", () => {
    const e = toGatewayError(
      apiError(429, { message: "Global limit has been reached" }, { "x-ratelimit-reset": "1795430000" }),
    );
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).resetAt).toBe(1_795_430_000_000);
    expect(e.retryable).toBe(true);
  });

  it("names the missing scope in both of Auth0's spellings", () => {
    const comma = toGatewayError(apiError(403, { message: "Insufficient scope, expected any of: create:connections" }));
    const semi = toGatewayError(
      apiError(403, { message: "Insufficient scope; expected any of: create:organization_connections." }),
    );
    expect(comma).toBeInstanceOf(MissingScopeError);
    expect((comma as MissingScopeError).scope).toBe("create:connections");
    expect((semi as MissingScopeError).scope).toBe("create:organization_connections");
  });

  it("treats 5xx, timeouts and network failures as unavailable (retryable), 404 as not found", () => {
    expect(toGatewayError(apiError(503, "upstream down"))).toBeInstanceOf(UnavailableError);
    expect(toGatewayError(apiError(undefined, undefined))).toBeInstanceOf(UnavailableError);
    expect(toGatewayError(new ManagementTimeoutError("timeout"))).toBeInstanceOf(UnavailableError);
    expect(toGatewayError(new TypeError("fetch failed")).retryable).toBe(true);
    expect(toGatewayError(apiError(404, { message: "The connection does not exist." }))).toBeInstanceOf(NotFoundError);
  });

  it("keeps only Auth0's one-line message, not the SDK's dump of the body", () => {
    const e = toGatewayError(apiError(400, { message: "bad", extra: "client_secret=hunter2" }));
    expect(e.message).toBe("bad");
  });
});
