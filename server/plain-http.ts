import type { IncomingMessage, ServerResponse } from "node:http";

/*
 * The few things Express's req/res added that the portal's server uses, on Node's own objects.
 */

/** A request header as one string (Node joins repeated headers, except Set-Cookie, with ", "). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** A short text answer (errors, refusals): `text/plain; charset=utf-8` with its length, in one write. */
export function sendText(res: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  const body = Buffer.from(text, "utf8");
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Content-Length", body.length);
  if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
  res.end(body);
}

/*
 * A Location as Express's res.location() wrote it (the encodeurl package, MIT, Douglas Christopher
 * Wilson): characters that may not appear in a URL, and a `%` that starts no escape, are
 * percent-encoded; escapes already there are kept.
 */
const ENCODE_CHARS = /(?:[^\x21\x23-\x3B\x3D\x3F-\x5F\x61-\x7A\x7C\x7E]+|%+(?![0-9A-Fa-f]{2})){1,1024}/g;
const SURROGATES = /([\uD800-\uDBFF][\uDC00-\uDFFF])|[\uD800-\uDFFF]/g;

export function encodeLocation(url: string): string {
  return url.replace(SURROGATES, (_, pair: string | undefined) => pair || "\uFFFD").replace(ENCODE_CHARS, encodeURI);
}

/** A 302 to `location` (encoded as above), with a one-line text body as Express sent it. */
export function redirect(res: ServerResponse, location: string): void {
  const encoded = encodeLocation(location);
  res.setHeader("Location", encoded);
  sendText(res, 302, `Found. Redirecting to ${encoded}`);
}
