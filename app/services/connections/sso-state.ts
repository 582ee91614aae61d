/**
 * The states an organization's SSO can be in, as the SSO page names them (status.server.ts works
 * out which one applies). Isomorphic: the page's component reads the labels.
 */
export type SsoState =
  "not-configured" | "draft" | "waiting-for-review" | "applying" | "ready-to-test" | "live" | "failed";

export const SSO_STATE_LABEL: Record<SsoState, string> = {
  "not-configured": "Not configured",
  draft: "Draft",
  "waiting-for-review": "Waiting for review",
  applying: "Applying",
  "ready-to-test": "Ready to test",
  live: "Live",
  failed: "Failed",
};
