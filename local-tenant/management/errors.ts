import type { NextFunction, Request, Response } from "express";
import { type ZodError, type ZodIssue, type ZodTooBigIssue, type ZodTooSmallIssue } from "zod";

/**
 * Management API errors in Auth0's (hapi/Boom) shape: `{statusCode, error, message, errorCode}`.
 * The portal maps `errorCode`/`message` to what users see, so the texts follow Auth0's verbatim
 * where they are known (see /work/shared/research/auth0-api.md §6).
 */

const REASON: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
};

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly errorCode?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      statusCode: this.statusCode,
      error: REASON[this.statusCode] ?? "Error",
      message: this.message,
      ...(this.errorCode ? { errorCode: this.errorCode } : {}),
      ...this.extra,
    };
  }
}

export const notFound = {
  connection: () => new ApiError(404, "The connection does not exist.", "inexistent_connection"),
  client: () => new ApiError(404, "The client does not exist", "inexistent_client"),
  organization: () => new ApiError(404, "The organization does not exist.", "inexistent_organization"),
  organizationConnection: () =>
    new ApiError(404, "The organization connection does not exist.", "inexistent_organization_connection"),
};

/** 409: another connection or organization has the name (on create, or on a rename). */
export const nameTaken = {
  connection: () => new ApiError(409, "A connection with the same name already exists", "connection_conflict"),
  organization: () => new ApiError(409, "An organization with this name already exists.", "organization_conflict"),
};

export function invalidBody(reason: string, property?: string): ApiError {
  const where = property ? ` on property ${property}` : "";
  return new ApiError(400, `Payload validation error: '${reason}'${where}.`, "invalid_body");
}

export function invalidQuery(reason: string, property?: string): ApiError {
  const where = property ? ` on property ${property}` : "";
  return new ApiError(400, `Query validation error: '${reason}'${where}.`, "invalid_query_string");
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

/** z-schema's words for a value beyond a bound, above (too_big) or below (too_small). */
const BOUNDS = {
  too_big: { size: "long", bound: "maximum", compared: "greater than" },
  too_small: { size: "short", bound: "minimum", compared: "less than" },
} as const;

function outOfBounds(issue: ZodTooBigIssue | ZodTooSmallIssue, value: unknown): string {
  const words = BOUNDS[issue.code];
  const limit = issue.code === "too_big" ? issue.maximum : issue.minimum;
  if (issue.type === "string")
    return `String is too ${words.size} (${String(value).length} chars), ${words.bound} ${limit}`;
  if (issue.type === "array")
    return `Array is too ${words.size} (${(value as unknown[]).length}), ${words.bound} ${limit}`;
  return `Value ${String(value)} is ${words.compared} ${words.bound} ${limit}`;
}

/**
 * Auth0 validates payloads with z-schema; its messages read "Payload validation error: '<z-schema
 * text>' on property <path>". Translate the first zod issue into that wording.
 */
export function zodToApiError(err: ZodError, input: unknown, kind: "body" | "query" = "body"): ApiError {
  const issue = err.issues[0] as ZodIssue;
  const missing = issue.code === "invalid_type" && issue.received === "undefined";
  // z-schema reports a missing property at its parent object, like an unexpected one.
  const path = (missing ? issue.path.slice(0, -1) : issue.path).join(".");
  const at = (obj: unknown): unknown =>
    issue.path.reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined),
      obj,
    );
  let reason: string;
  switch (issue.code) {
    case "unrecognized_keys":
      reason = `Additional properties not allowed: ${issue.keys.join(",")}`;
      break;
    case "invalid_type":
      reason = missing
        ? `Missing required property: ${issue.path[issue.path.length - 1]}`
        : `Expected type ${issue.expected} but found type ${typeName(at(input))}`;
      break;
    case "too_big":
    case "too_small":
      reason = outOfBounds(issue, at(input));
      break;
    case "invalid_string":
      reason = issue.message;
      break;
    case "invalid_enum_value":
      reason = `Invalid value ${JSON.stringify(issue.received)}`;
      break;
    default:
      reason = issue.message;
  }
  return kind === "body" ? invalidBody(reason, path || undefined) : invalidQuery(reason, path || undefined);
}

export function sendError(res: Response, err: ApiError): void {
  res.status(err.statusCode).json(err.body());
}

/** Last handler of /api/v2: turns thrown ApiErrors and body-parser failures into Auth0 bodies. */
export function apiErrorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ApiError) return sendError(res, err);
  const e = err as { type?: string; status?: number };
  if (e.type === "entity.too.large") {
    return sendError(res, new ApiError(413, "Payload content length greater than maximum allowed: 1048576"));
  }
  if (e.type === "entity.parse.failed") {
    return sendError(res, new ApiError(400, "Invalid request payload JSON format", "invalid_body"));
  }
  // The stack (name, message, frames), not the object: an error can carry what it was given (a request's
  // headers or body, with a token or a client secret) in its own properties.
  console.error("local tenant: unexpected Management API error:", err instanceof Error ? err.stack : String(err));
  sendError(res, new ApiError(500, "An internal server error occurred"));
}
