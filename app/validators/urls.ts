export type UrlCheck = { ok: true; url: URL; plainHttp: boolean; loopback: boolean } | { ok: false; reason: string };

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || h.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The absolute URL `value` spells, or null when it spells none. */
export function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Whether `value` is an absolute URL of one of `protocols` (e.g. "https:"). */
export function isUrlOf(value: string, protocols: readonly string[]): boolean {
  const url = parseUrl(value);
  return url !== null && protocols.includes(url.protocol);
}

/** An endpoint a browser or Auth0 will be sent to: absolute http(s) only, no credentials. */
export function checkEndpointUrl(value: string): UrlCheck {
  const url = parseUrl(value.trim());
  if (!url) return { ok: false, reason: "is not an absolute URL" };
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return {
      ok: false,
      reason: `uses the "${url.protocol.replace(/:$/, "")}:" scheme; only https (or http) URLs are allowed`,
    };
  }
  if (url.username || url.password) return { ok: false, reason: "contains a user name or password" };
  return { ok: true, url, plainHttp: url.protocol === "http:", loopback: isLoopbackHost(url.hostname) };
}

/** Shortens what we echo back so a hostile value cannot flood a page or a log. */
export function quote(value: string, max = 120): string {
  let s = "";
  for (const ch of value.slice(0, max + 1)) s += ch < " " || ch === "\u007f" ? " " : ch;
  return `"${s.length > max ? `${s.slice(0, max)}…` : s}"`;
}
