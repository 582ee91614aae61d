import type { ApiKeyScope } from "../identity/scope.server";
import { logger } from "../platform/logger.server";
import { ApiError, errorBody, type ApiErrorCode } from "./errors";
import { authenticateApiRequest, API_RATE_LIMIT_PER_MINUTE } from "./keys.server";

/**
 * /api/v1: one entry point for every API request (the route `api.v1.$.ts` hands it over). It
 * finds the operation by method and path template (the templates of openapi.ts), authenticates
 * the bearer key (never a cookie), reads a JSON body within limits, runs the operation and
 * answers JSON — errors always as `{"error": {"code", "message"}}`.
 */

export const API_BASE = "/api/v1";
export const MAX_API_BODY_BYTES = 256 * 1024;

export interface ApiContext {
  request: Request;
  scope: ApiKeyScope;
  params: Record<string, string>;
  /** The parsed JSON body (POST/PUT/PATCH), unknown until the operation parses it. */
  body: unknown;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ApiOperation {
  method: "GET" | "POST";
  /** An OpenAPI path template below /api/v1, e.g. /organizations/{slug}. */
  path: string;
  /** False only for the OpenAPI document itself. */
  authenticated?: boolean;
  run(context: ApiContext): Promise<ApiAnswer>;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function errorResponse(code: ApiErrorCode, message: string, status: number, headers: Record<string, string> = {}) {
  return json(status, errorBody(code, message), headers);
}

function matchTemplate(template: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const pattern = template.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return null;
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    params[name] = decodeURIComponent(match[i + 1]!);
  });
  return params;
}

async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  // Read whole (the server refuses bodies over 2 MB before this): answering before the body is
  // read would leave it on a kept-alive connection.
  const text = await request.text();
  // An action with nothing to say (suspend, resume) may send no body at all.
  if (text === "") return undefined;
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  if (Buffer.byteLength(text) > MAX_API_BODY_BYTES) {
    throw new ApiError("payload_too_large", `The body is larger than ${MAX_API_BODY_BYTES / 1024} KB.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError("invalid_request", "The body is not valid JSON.");
  }
}

/** A Response a service threw (its 403 or 404) as the API's error shape. */
async function fromThrownResponse(res: Response): Promise<Response> {
  const code: ApiErrorCode =
    res.status === 403
      ? "forbidden"
      : res.status === 404
        ? "not_found"
        : res.status === 401
          ? "unauthorized"
          : "internal";
  const text = (await res.text().catch(() => "")).slice(0, 500) || "The request was refused.";
  return errorResponse(code, code === "internal" ? "Something went wrong on our side." : text, res.status);
}

export async function handleApiRequest(request: Request, operations: readonly ApiOperation[]): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.startsWith(API_BASE) ? url.pathname.slice(API_BASE.length) || "/" : url.pathname;
  const candidates = operations
    .map((op) => ({ op, params: matchTemplate(op.path, path) }))
    .filter((c): c is { op: ApiOperation; params: Record<string, string> } => c.params !== null);
  if (candidates.length === 0) {
    return errorResponse("not_found", `There is no API operation at ${API_BASE}${path.slice(0, 200)}.`, 404);
  }
  const found = candidates.find((c) => c.op.method === request.method);
  if (!found) {
    const allowed = [...new Set(candidates.map((c) => c.op.method))].join(", ");
    return errorResponse("method_not_allowed", `Use ${allowed} here.`, 405, { allow: allowed });
  }
  const rateHeaders: Record<string, string> = {};
  try {
    let scope: ApiKeyScope | undefined;
    if (found.op.authenticated !== false) {
      const auth = await authenticateApiRequest(request);
      if (!auth.ok && auth.status === 429) {
        return errorResponse(
          "rate_limited",
          `This key made more than ${API_RATE_LIMIT_PER_MINUTE} requests in a minute. Retry after ${auth.retryAfterSeconds} s.`,
          429,
          { "retry-after": String(auth.retryAfterSeconds) },
        );
      }
      if (!auth.ok) {
        return errorResponse(
          "unauthorized",
          auth.reason === "missing"
            ? "Send an API key: Authorization: Bearer ssop_…"
            : "The API key is not valid or was revoked.",
          401,
          { "www-authenticate": 'Bearer realm="sso-portal"' },
        );
      }
      scope = auth.scope;
      rateHeaders["x-ratelimit-limit"] = String(API_RATE_LIMIT_PER_MINUTE);
      rateHeaders["x-ratelimit-remaining"] = String(Math.max(0, auth.remaining));
    }
    const body = request.method === "GET" ? undefined : await readJsonBody(request);
    const answer = await found.op.run({ request, scope: scope!, params: found.params, body });
    return json(answer.status, answer.body, { ...rateHeaders, ...answer.headers });
  } catch (err) {
    if (err instanceof ApiError)
      return errorResponse(err.code, err.message, err.status, { ...rateHeaders, ...err.headers });
    if (err instanceof Response) return fromThrownResponse(err);
    logger.error({ err: err instanceof Error ? err.message : String(err), path }, "api request failed");
    return errorResponse("internal", "Something went wrong on our side.", 500);
  }
}
