/**
 * Where to send someone after sign-in: only ever a path inside the portal. Anything else —
 * another origin (`https://evil`, `//evil`, `/\evil`), a scheme (`javascript:`), control
 * characters, or any of those hidden behind percent-encoding — falls back to the default.
 * Pure, so the same rule runs in tests, loaders and links.
 */
export const DEFAULT_RETURN_TO = "/orgs";

/** Paths that must never be a destination after sign-in (they would loop or sign out). */
const REFUSED_PREFIXES = ["/auth/", "/signed-out"];

export function sanitizeReturnTo(value: unknown, fallback: string = DEFAULT_RETURN_TO): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  // Decode repeatedly so `%2F%2Fevil`, `%252F%252Fevil` and `/%5Cevil` are judged as what they become.
  let decoded = value;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return fallback;
    }
    if (next === decoded) break;
    decoded = next;
    if (i === 4) return fallback; // still changing: nested beyond reason
  }
  for (const candidate of [value, decoded]) {
    if (!candidate.startsWith("/")) return fallback;
    // `//host` and `/\host` are protocol-relative in browsers; a backslash anywhere is suspect.
    if (candidate.startsWith("//") || candidate.includes("\\")) return fallback;
    // Control characters and whitespace (browsers strip tabs and newlines: `/\t/evil` → `//evil`).
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(candidate)) return fallback;
  }
  // Resolve against a throwaway origin: the result must stay on it and keep the same path.
  let url: URL;
  try {
    url = new URL(value, "http://portal.invalid");
  } catch {
    return fallback;
  }
  if (url.origin !== "http://portal.invalid") return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Routes match case-insensitively and after percent-decoding, so judge the path the router sees.
  let routed = url.pathname;
  try {
    routed = decodeURIComponent(routed);
  } catch {
    return fallback;
  }
  routed = routed.toLowerCase();
  if (REFUSED_PREFIXES.some((p) => routed === p.replace(/\/$/, "") || routed.startsWith(p))) return fallback;
  return path;
}
