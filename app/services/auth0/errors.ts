import { ManagementError, ManagementTimeoutError } from "auth0";

/**
 * What can go wrong talking to Auth0, as the portal needs to tell it apart: retry later
 * (rate limited, unavailable), tell the user what to fix (invalid options, conflict), or tell the
 * operator (missing scope). Messages never carry secrets or response bodies beyond Auth0's own
 * one-line message.
 */
export type Auth0ErrorKind =
  "conflict" | "invalid_options" | "rate_limited" | "not_found" | "missing_scope" | "unavailable" | "not_owned";

/** Whether trying the same thing again later can succeed: only when Auth0 was busy or away. */
const RETRYABLE: Record<Auth0ErrorKind, boolean> = {
  conflict: false,
  invalid_options: false,
  rate_limited: true,
  not_found: false,
  missing_scope: false,
  unavailable: true,
  not_owned: false,
};

export abstract class Auth0GatewayError extends Error {
  abstract readonly kind: Auth0ErrorKind;
  /** Whether trying the same thing again later can succeed. */
  get retryable(): boolean {
    return RETRYABLE[this.kind];
  }
}

/** 409: e.g. a connection with the same name already exists. */
export class ConflictError extends Auth0GatewayError {
  readonly kind = "conflict";
  override name = "ConflictError";
}

/** 400/422: Auth0 refused the payload; `field` names the property when Auth0 says which. */
export class InvalidOptionsError extends Auth0GatewayError {
  readonly kind = "invalid_options";
  override name = "InvalidOptionsError";
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

/** 429: the tenant's Management API budget is spent until `resetAt` (epoch ms). */
export class RateLimitedError extends Auth0GatewayError {
  readonly kind = "rate_limited";
  override name = "RateLimitedError";
  constructor(
    message: string,
    readonly resetAt: number | null,
  ) {
    super(message);
  }
}

export class NotFoundError extends Auth0GatewayError {
  readonly kind = "not_found";
  override name = "NotFoundError";
}

/** 403: the portal's Machine-to-Machine application lacks a Management API scope. */
export class MissingScopeError extends Auth0GatewayError {
  readonly kind = "missing_scope";
  override name = "MissingScopeError";
  constructor(
    message: string,
    readonly scope: string | null,
  ) {
    super(message);
  }
}

/** 5xx, timeouts, network failures, 401 after a fresh token: try again later. */
export class UnavailableError extends Auth0GatewayError {
  readonly kind = "unavailable";
  override name = "UnavailableError";
}

/** The connection's metadata names another portal organization, or none: never touched. */
export class NotOwnedError extends Auth0GatewayError {
  readonly kind = "not_owned";
  override name = "NotOwnedError";
  constructor(
    message: string,
    readonly connectionId: string,
    readonly owner: string | null,
  ) {
    super(message);
  }
}

function bodyMessage(body: unknown): string | undefined {
  if (body && typeof body === "object" && "message" in body && typeof body.message === "string") {
    return body.message.slice(0, 500);
  }
  return undefined;
}

/** The property a z-schema style message names: `… on property options.signInEndpoint (…)`. */
export function fieldFromMessage(message: string): string | null {
  const onProperty = /on property ([A-Za-z0-9_.[\]-]+)/.exec(message);
  if (onProperty) return onProperty[1]!.replace(/\.+$/, "");
  const additional = /Additional properties not allowed: ([A-Za-z0-9_,.-]+)/.exec(message);
  if (additional) return additional[1]!.split(",")[0]!;
  const quoted = /options\.([A-Za-z0-9_]+)/.exec(message);
  if (quoted) return `options.${quoted[1]}`;
  return null;
}

function headerNumber(headers: Headers | undefined, name: string): number | null {
  const v = headers?.get(name);
  if (v == null || !/^\d+(\.\d+)?$/.test(v)) return null;
  return Number(v);
}

/** Maps anything the SDK (or fetch) throws to one of the typed errors above. */
export function toGatewayError(err: unknown): Auth0GatewayError {
  if (err instanceof Auth0GatewayError) return err;
  if (err instanceof ManagementTimeoutError) return new UnavailableError("Auth0 did not answer in time");
  if (err instanceof ManagementError) {
    const status = err.statusCode;
    const message = bodyMessage(err.body) ?? `Auth0 answered ${status ?? "nothing"}`;
    if (status === undefined) return new UnavailableError(`Auth0 could not be reached: ${err.message.split("\n")[0]}`);
    if (status === 409) return new ConflictError(message);
    if (status === 400 || status === 422) return new InvalidOptionsError(message, fieldFromMessage(message));
    if (status === 429) {
      const reset = headerNumber(err.rawResponse?.headers, "x-ratelimit-reset");
      const retryAfter = headerNumber(err.rawResponse?.headers, "retry-after");
      const resetAt = reset !== null ? reset * 1000 : retryAfter !== null ? Date.now() + retryAfter * 1000 : null;
      return new RateLimitedError(message, resetAt);
    }
    if (status === 404) return new NotFoundError(message);
    if (status === 403) {
      const scope = /expected any of:? ([a-z_:]+)/.exec(message)?.[1] ?? /"([a-z_]+:[a-z_]+)" scope/.exec(message)?.[1];
      if (scope || /scope/i.test(message)) return new MissingScopeError(message, scope ?? null);
      return new InvalidOptionsError(message, null); // e.g. entity limits: the user must change something
    }
    if (status === 401) return new UnavailableError(`Auth0 refused the portal's token: ${message}`);
    if (status >= 500 || status === 408) return new UnavailableError(message);
    return new InvalidOptionsError(message, fieldFromMessage(message));
  }
  if (
    err instanceof TypeError ||
    (err instanceof Error && /fetch failed|ECONNREFUSED|ECONNRESET|socket/i.test(err.message))
  ) {
    return new UnavailableError(`Auth0 could not be reached: ${err.message}`);
  }
  return new UnavailableError(err instanceof Error ? err.message : String(err));
}
