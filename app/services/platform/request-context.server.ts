import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { singleton } from "./singleton.server";

/** Per-request facts every log line and audit row carries, without threading them by hand. */
export interface RequestContext {
  requestId: string;
  ip?: string;
  userAgent?: string;
  /** Values computed once per request (requestMemo), e.g. the signed-in viewer. */
  memo?: Map<string, unknown>;
}

export const requestContext = singleton("request-context", () => new AsyncLocalStorage<RequestContext>());

export function currentRequest(): RequestContext | undefined {
  return requestContext.getStore();
}

/**
 * `compute()` once per request and key: the root loader and a route's loader run in the same
 * request with different Request objects, and both want, say, the viewer. Outside a request
 * (scripts, tests calling services directly) it simply computes.
 */
export function requestMemo<T>(key: string, compute: () => T): T {
  const context = requestContext.getStore();
  if (!context) return compute();
  context.memo ??= new Map();
  if (context.memo.has(key)) return context.memo.get(key) as T;
  const value = compute();
  context.memo.set(key, value);
  return value;
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accept a caller's x-request-id only when it is short and plain; otherwise make one. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}
