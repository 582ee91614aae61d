/**
 * Paths whose segments are secrets (setup-link tokens) are masked before they reach a log line
 * or an audit row. Routes match case-insensitively and after percent-decoding (segment by
 * segment), so `/INVITES/x` and `/%69nvites/x` reach the setup-link page too and are masked just
 * the same. Any query string is dropped.
 */
const INVITE_PATH = /^\/+invites\/[^/]*/i;

function decodeSegments(path: string): string {
  return path
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join("/");
}

export function maskSecretPath(url: string): string {
  const path = url.split("?")[0] ?? "/";
  const decoded = decodeSegments(path);
  return INVITE_PATH.test(decoded) ? decoded.replace(INVITE_PATH, "/invites/[token]") : path;
}
