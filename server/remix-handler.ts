import { createRequestHandler, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import type { IncomingMessage, ServerResponse } from "node:http";
import { installLoaderRequestPassThrough } from "./loader-requests";
import { sendText } from "./plain-http";
import { installRouteMatchMemo } from "./route-match-memo";
import { installServerRoutesMemo } from "./server-routes-memo";
import { installStaticHandlerByBranch } from "./static-handler-by-branch";
import { isBearerOnlyPath } from "./same-origin";

/**
 * The Remix handler, fed a request whose URL is PUBLIC_URL's origin plus the path asked for, and
 * whose body has been read and checked. Remix aborts an action with a 500 when `Origin` differs
 * from `Host`/`X-Forwarded-Host`; the same-origin guard has already held `Origin` to PUBLIC_URL,
 * so Remix is shown PUBLIC_URL's host and no forwarded host: behind a proxy forms work, and a
 * mismatch is the guard's clear 403, never a 500.
 *
 * A body the portal cannot read (it reads forms only) is a 415, a malformed form a 400, each
 * with a message, instead of an exception inside an action.
 */
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

export class UnreadableBody extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new UnreadableBody(413, `The request is too large. The limit is ${limit / 1024 / 1024} MB.`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** The body of a form post, checked to parse as a form; throws UnreadableBody otherwise. */
export async function readFormBody(
  req: IncomingMessage,
  url: string,
  headers: Headers,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const body = await readBody(req, limit);
  const type = (headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) {
    throw new UnreadableBody(
      415,
      `The portal reads forms only (application/x-www-form-urlencoded or multipart/form-data); this request sent ${
        type ? type.slice(0, 80) : "no Content-Type"
      }. Submit the form from the portal's page.`,
    );
  }
  try {
    await new Request(url, { method: "POST", headers, body }).formData();
  } catch {
    throw new UnreadableBody(
      400,
      "The form could not be read (its body does not match its Content-Type). Reload the page and submit it again.",
    );
  }
  return body;
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

/** Content-Type as Express's res.set() wrote it: text, JavaScript and JSON without a charset get utf-8. */
function withCharset(type: string): string {
  if (/;\s*charset\s*=/.test(type) || !/^text\/|^application\/(javascript|json)/.test(type.split(";")[0]!)) return type;
  return `${type}; charset=utf-8`;
}

/**
 * The response in one write: the portal streams no body (documents are rendered whole, see
 * app/entry.server.tsx; data, JSON and XML are small), so headers and body go out in one
 * `writev` with a Content-Length instead of a chunked write per piece. A header the pipeline has
 * already set (Cache-Control…) and the response sets too is sent twice, as Express's res.append did.
 */
async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.statusCode = response.status;
  for (const [key, raw] of response.headers.entries()) {
    const value = key === "content-type" ? withCharset(raw) : raw;
    const previous = res.getHeader(key);
    if (previous === undefined) res.setHeader(key, value);
    else res.setHeader(key, (Array.isArray(previous) ? previous : [String(previous)]).concat(value));
  }
  if (!response.body) {
    res.end();
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (!res.hasHeader("content-length")) res.setHeader("Content-Length", body.length);
  res.end(body);
}

/** The Remix handler for one request; `path` is the request's path without its query. Rejects on an unexpected error. */
export type RemixRequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  loadContext: AppLoadContext,
) => Promise<void>;

export function remixHandler(options: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: "development" | "production";
  /** PUBLIC_URL, parsed. */
  publicUrl: () => URL;
  maxBodyBytes: number;
}): RemixRequestHandler {
  // Remix matches each request's path against every route 2–4 times; remember the answers (ADR 019).
  installRouteMatchMemo();
  // Loaders get the request itself when Remix's two copies per loader would change nothing (ADR 025).
  installLoaderRequestPassThrough();
  // Remix's static handler matches over the request's branch only, found through the memo (ADR 025).
  installStaticHandlerByBranch();
  // React Router's route tree for rendering documents, made once per build, not per document (ADR 025).
  installServerRoutesMemo();
  const handleRequest = createRequestHandler(options.build, options.mode);
  return async (req, res, path, loadContext) => {
    const publicUrl = options.publicUrl();
    const url = `${publicUrl.origin}${req.url}`;
    const headers = requestHeaders(req);
    headers.set("host", publicUrl.host);
    headers.delete("x-forwarded-host");
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const init: RequestInit = { method: req.method, headers, signal: controller.signal };
    if (req.method !== "GET" && req.method !== "HEAD") {
      try {
        // The JSON API (/api/v1) reads its own bodies and answers in its own error shape; the
        // pages read forms only.
        init.body = isBearerOnlyPath(path)
          ? await readBody(req, options.maxBodyBytes)
          : await readFormBody(req, url, headers, options.maxBodyBytes);
      } catch (err) {
        if (!(err instanceof UnreadableBody)) throw err;
        sendText(res, err.status, err.message);
        return;
      }
    }
    const response = await handleRequest(new Request(url, init), loadContext);
    await send(res, response);
  };
}
