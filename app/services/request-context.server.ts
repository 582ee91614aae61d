import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { singleton } from "./singleton.server";

/** Per-request facts every log line and audit row carries, without threading them by hand. */
export interface RequestContext {
  requestId: string;
  ip?: string;
  userAgent?: string;
}

export const requestContext = singleton("request-context", () => new AsyncLocalStorage<RequestContext>());

export function currentRequest(): RequestContext | undefined {
  return requestContext.getStore();
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accept a caller's x-request-id only when it is short and plain; otherwise make one. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}
