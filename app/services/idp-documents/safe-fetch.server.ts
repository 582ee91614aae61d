import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { FetchRefused, type DocumentFetcher, type FetchConditions, type FetchedDocument } from "~/validators/remote";
import { checkAddress } from "./address-policy.server";

/**
 * The one fetcher for every outbound URL a customer gives us (metadata URL, discovery URL,
 * JWKS). It refuses to be a proxy into our network:
 * - https only; plain http only to loopback in local mode (the demo IdPs);
 * - the host name is resolved first (resolver injectable) and every address it resolves to must
 *   be public (see address-policy.server.ts); the connection is then pinned to the checked
 *   address through a custom `lookup`, so a second DNS answer (rebinding) is never used;
 * - redirects are followed by hand, at most 3, each one checked like the first URL;
 * - 1 MB size cap, 5 s overall timeout, and the content type must fit what is expected
 *   (an HTML sign-in page is not metadata);
 * - conditional requests for the metadata monitor: given the last copy's ETag / Last-Modified it
 *   sends If-None-Match / If-Modified-Since, and a 304 answers `notModified`.
 */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface SafeFetchOptions {
  localMode?: boolean;
  resolver?: Resolver;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Extra trusted CA certificates (tests' self-signed server). */
  ca?: string | string[];
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const CONTENT_TYPES: Record<"xml" | "json", RegExp> = {
  xml: /^(application|text)\/([\w.+-]+\+)?xml$|^text\/plain$|^application\/octet-stream$/,
  json: /^application\/([\w.+-]+\+)?json$|^text\/plain$|^application\/jwk-set\+json$/,
};

const FIX_URL = "Check the URL: it must be the public https address your identity provider gives for this document.";

interface Target {
  url: URL;
  address: string;
  family: number;
}

export function createSafeFetcher(options: SafeFetchOptions = {}): DocumentFetcher {
  const resolver = options.resolver ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 3;
  const allowLoopback = options.localMode === true;

  async function resolveTarget(raw: string, signal: AbortSignal): Promise<Target> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new FetchRefused("FETCH_URL_INVALID", "The URL is not a valid absolute URL.", FIX_URL);
    }
    if (url.username || url.password) {
      throw new FetchRefused(
        "FETCH_URL_INVALID",
        "The URL contains a user name or password.",
        "Give the URL without credentials.",
      );
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new FetchRefused(
        "FETCH_SCHEME_REFUSED",
        `Only https URLs are fetched, not "${url.protocol.slice(0, 20)}".`,
        FIX_URL,
      );
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let addresses: { address: string; family: number }[];
    if (isIP(host)) {
      addresses = [{ address: host, family: isIP(host) }];
    } else {
      try {
        // The overall timeout covers DNS too: a resolver that never answers must not hang us.
        addresses = await Promise.race([
          resolver(host),
          new Promise<never>((_, reject) => {
            if (signal.aborted) reject(new Error("aborted"));
            signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
          }),
        ]);
      } catch (err) {
        if (signal.aborted) throw err;
        addresses = [];
      }
      if (!addresses.length) {
        throw new FetchRefused("FETCH_DNS_FAILED", `The host name "${host.slice(0, 100)}" does not resolve.`, FIX_URL);
      }
    }
    let loopbackOnly = true;
    for (const a of addresses) {
      const verdict = checkAddress(a.address, { allowLoopback });
      if (!verdict.allowed) {
        throw new FetchRefused(
          "FETCH_ADDRESS_REFUSED",
          `The host "${host.slice(0, 100)}" resolves to ${verdict.reason}; the portal only fetches from public internet addresses.`,
          FIX_URL,
        );
      }
      if (!verdict.loopback) loopbackOnly = false;
    }
    if (url.protocol === "http:" && !(allowLoopback && loopbackOnly)) {
      throw new FetchRefused(
        "FETCH_SCHEME_REFUSED",
        "Plain http URLs are not fetched: the document could be altered on the way.",
        "Use the https URL of the document.",
      );
    }
    // IPv4 first when there is one: many hosts (and CI machines) have no IPv6 route.
    const pinned = addresses.find((a) => a.family === 4) ?? addresses[0]!;
    return { url, address: pinned.address, family: pinned.family };
  }

  function request(
    target: Target,
    expect: "xml" | "json" | "any",
    signal: AbortSignal,
    conditions: FetchConditions,
  ): Promise<{
    status: number;
    location?: string;
    contentType: string;
    body: Uint8Array;
    etag?: string;
    lastModified?: string;
  }> {
    return new Promise((resolve, reject) => {
      const { url } = target;
      const pinnedLookup: LookupFunction = (_hostname, opts, callback) => {
        // Connect to the address that was checked, whatever DNS would answer now.
        if ((opts as { all?: boolean }).all) {
          (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
            { address: target.address, family: target.family },
          ]);
        } else {
          callback(null, target.address, target.family);
        }
      };
      const lib = url.protocol === "https:" ? https : http;
      const host = url.hostname.replace(/^\[|\]$/g, "");
      const req = lib.request(
        {
          protocol: url.protocol,
          hostname: host,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: "GET",
          agent: false,
          lookup: pinnedLookup,
          signal,
          headers: {
            accept:
              expect === "xml"
                ? "application/samlmetadata+xml, application/xml, text/xml;q=0.9, */*;q=0.1"
                : expect === "json"
                  ? "application/json, */*;q=0.1"
                  : "*/*",
            "user-agent": "sso-portal-validator/1",
            ...(conditions.etag ? { "if-none-match": conditions.etag } : {}),
            ...(conditions.lastModified ? { "if-modified-since": conditions.lastModified } : {}),
          },
          ...(url.protocol === "https:"
            ? { servername: isIP(host) ? undefined : host, ...(options.ca ? { ca: options.ca } : {}) }
            : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const contentType = (res.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
          const validators = {
            ...(typeof res.headers.etag === "string" ? { etag: res.headers.etag.slice(0, 200) } : {}),
            ...(typeof res.headers["last-modified"] === "string"
              ? { lastModified: res.headers["last-modified"].slice(0, 100) }
              : {}),
          };
          if (status === 304) {
            res.resume();
            resolve({ status, contentType, body: new Uint8Array(), ...validators });
            return;
          }
          if (status >= 300 && status < 400) {
            res.resume();
            resolve({
              status,
              contentType,
              body: new Uint8Array(),
              ...(res.headers.location ? { location: res.headers.location } : {}),
            });
            return;
          }
          const declared = Number(res.headers["content-length"] ?? 0);
          if (declared > maxBytes) {
            res.destroy();
            reject(tooLarge(maxBytes));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              res.destroy();
              reject(tooLarge(maxBytes));
              return;
            }
            chunks.push(chunk);
          });
          res.on("end", () =>
            resolve({ status, contentType, body: new Uint8Array(Buffer.concat(chunks)), ...validators }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  return async function safeFetch(
    raw: string,
    expect: "xml" | "json" | "any" = "any",
    conditions: FetchConditions = {},
  ): Promise<FetchedDocument> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let current = raw;
      for (let hop = 0; ; hop++) {
        const target = await resolveTarget(current, controller.signal).catch((err: unknown) => {
          if (controller.signal.aborted && !(err instanceof FetchRefused)) {
            throw new FetchRefused(
              "FETCH_TIMEOUT",
              `The host name did not resolve within ${timeoutMs / 1000} s.`,
              FIX_URL,
            );
          }
          throw err;
        });
        let res: Awaited<ReturnType<typeof request>>;
        try {
          res = await request(target, expect, controller.signal, conditions);
        } catch (err) {
          if (err instanceof FetchRefused) throw err;
          if (controller.signal.aborted) {
            throw new FetchRefused(
              "FETCH_TIMEOUT",
              `The server did not answer within ${timeoutMs / 1000} s.`,
              "Check that the URL is reachable from the internet, then try again.",
            );
          }
          throw new FetchRefused(
            "FETCH_FAILED",
            `The document could not be fetched (${describeNetworkError(err)}).`,
            "Check the URL and that its server has a valid https certificate, then try again.",
          );
        }
        if (res.status === 304 && (conditions.etag || conditions.lastModified)) {
          return {
            url: target.url.toString(),
            contentType: res.contentType,
            body: res.body,
            notModified: true,
            ...(res.etag ? { etag: res.etag } : {}),
            ...(res.lastModified ? { lastModified: res.lastModified } : {}),
          };
        }
        if (res.status >= 300 && res.status < 400) {
          if (!res.location)
            throw new FetchRefused(
              "FETCH_HTTP_STATUS",
              `The server answered ${res.status} without saying where to go.`,
              FIX_URL,
            );
          if (hop >= maxRedirects) {
            throw new FetchRefused(
              "FETCH_TOO_MANY_REDIRECTS",
              `The URL redirects more than ${maxRedirects} times.`,
              "Give the final URL of the document.",
            );
          }
          current = new URL(res.location, target.url).toString();
          continue;
        }
        if (res.status < 200 || res.status >= 300) {
          throw new FetchRefused("FETCH_HTTP_STATUS", `The server answered HTTP ${res.status}.`, FIX_URL);
        }
        if (res.contentType === "text/html" || res.contentType === "application/xhtml+xml") {
          throw new FetchRefused(
            "FETCH_CONTENT_TYPE",
            "The URL returned a web page (text/html), not the document: probably a sign-in or error page.",
            "Use the URL of the raw document (the metadata XML or the JSON), reachable without signing in.",
          );
        }
        if (expect !== "any" && res.contentType && !CONTENT_TYPES[expect].test(res.contentType)) {
          throw new FetchRefused(
            "FETCH_CONTENT_TYPE",
            `The URL returned "${res.contentType.slice(0, 60)}", not ${expect === "xml" ? "XML" : "JSON"}.`,
            FIX_URL,
          );
        }
        return {
          url: target.url.toString(),
          contentType: res.contentType,
          body: res.body,
          ...(res.etag ? { etag: res.etag } : {}),
          ...(res.lastModified ? { lastModified: res.lastModified } : {}),
        };
      }
    } finally {
      clearTimeout(timer);
    }
  };
}

function tooLarge(maxBytes: number): FetchRefused {
  return new FetchRefused(
    "FETCH_TOO_LARGE",
    `The document is larger than ${Math.round(maxBytes / 1024)} KB.`,
    "Check that the URL points at a single document, not an aggregate.",
  );
}

function describeNetworkError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code) return "network error";
  if (code.startsWith("ERR_TLS") || code.includes("CERT") || code === "DEPTH_ZERO_SELF_SIGNED_CERT")
    return "its https certificate is not valid";
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET") return "connection reset";
  return code;
}
