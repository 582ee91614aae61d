/**
 * Where to send someone after sign-in: only ever a path inside the portal. Anything else —
 * another origin (`https://evil`, `//evil`, `/\evil`), a scheme (`javascript:`), control
 * characters, dot-segments that climb to `//evil` once the URL is normalized (`/..//evil`,
 * `/%2e%2e//evil`), or any of those hidden behind percent-encoding — falls back to the default.
 *
 * The rule is "normalize, then decide": every spelling is judged as written, as decoded, and as
 * the URL it becomes after dot-segment removal, and the path returned is judged again. Pure, so
 * the same rule runs in tests, loaders, links and where the redirect is issued (the callback).
 */
export const DEFAULT_RETURN_TO = "/orgs";

/** Paths that must never be a destination after sign-in (they would loop or sign out). */
const REFUSED_PREFIXES = ["/auth/", "/signed-out"];

const BASE = "http://portal.invalid";

/** Percent-decoded until it stops changing; undefined when malformed or nested beyond reason. */
function fullyDecoded(value: string): string | undefined {
  let decoded = value;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return undefined;
    }
    if (next === decoded) return decoded;
    decoded = next;
  }
  return undefined;
}

/** The URL a browser makes of `candidate` on the portal, or undefined when it leaves the portal. */
function normalized(candidate: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(candidate, BASE);
  } catch {
    return undefined;
  }
  // A pathname of `//host` is a protocol-relative URL the moment it is written into a Location.
  if (url.origin !== BASE || url.pathname.startsWith("//")) return undefined;
  return url;
}

/** One spelling of the destination: a plain portal path, before and after normalization. */
function staysOnPortal(candidate: string): boolean {
  if (!candidate.startsWith("/")) return false;
  // `//host` and `/\host` are protocol-relative in browsers; a backslash anywhere is suspect.
  if (candidate.startsWith("//") || candidate.includes("\\")) return false;
  // Control characters and whitespace (browsers strip tabs and newlines: `/\t/evil` → `//evil`).
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(candidate)) return false;
  return normalized(candidate) !== undefined;
}

export function sanitizeReturnTo(value: unknown, fallback: string = DEFAULT_RETURN_TO): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  // Judge what `%2F%2Fevil`, `%252F%252Fevil`, `/%5Cevil` and `/%2e%2e%2f%2fevil` become too.
  const decoded = fullyDecoded(value);
  if (decoded === undefined || !staysOnPortal(value) || !staysOnPortal(decoded)) return fallback;

  const url = normalized(value)!;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Decide again on what will actually be sent: the normalized path, and what it decodes to.
  const decodedPath = fullyDecoded(path);
  if (decodedPath === undefined || !staysOnPortal(path) || !staysOnPortal(decodedPath)) return fallback;

  // Routes match case-insensitively and after percent-decoding, so judge the path the router sees.
  const routed = normalized(decodedPath)!.pathname.toLowerCase();
  if (REFUSED_PREFIXES.some((p) => routed === p.replace(/\/$/, "") || routed.startsWith(p))) return fallback;
  return path;
}
