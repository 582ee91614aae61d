/**
 * Audit events in words: "Alice Admin created a setup link for an administrator". Pure: the log
 * service hands in names it has already looked up (people and organizations by name, never ids).
 * An action no phrase knows yet still reads as words ("change request approved").
 */
export interface EventFacts {
  action: string;
  outcome: "success" | "denied" | "failure";
  /** Who did it, by name (or e-mail); "apply-worker" and "anonymous" are turned into words here. */
  actor: string;
  /** The person or thing it was done to, already by name where it is a person. */
  target: string | null;
  details: Record<string, unknown>;
  orgName: string | null;
}

const ROLE_WORDS: Record<string, { a: string; the: string }> = {
  org_admin: { a: "an administrator", the: "administrator" },
  org_viewer: { a: "a viewer", the: "viewer" },
  support_agent: { a: "a support agent", the: "support agent" },
  support_admin: { a: "a support lead", the: "support lead" },
};

const roleA = (role: unknown) => ROLE_WORDS[String(role)]?.a ?? "a member";
const roleThe = (role: unknown) => ROLE_WORDS[String(role)]?.the ?? String(role ?? "member");
const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

export function actorInWords(actor: string): string {
  if (actor === "apply-worker") return "The portal";
  if (actor === "anonymous") return "Someone not signed in";
  if (actor === "scheduler") return "The portal's scheduler";
  return actor;
}

/** "needs org_admin, has org_viewer" → "it needs the administrator role (they are a viewer)". */
function refusalReason(reason: string | undefined): string {
  const m = /^needs (\w+), has (\w+)$/.exec(reason ?? "");
  if (m) return `it needs the ${roleThe(m[1])} role and they are ${roleA(m[2])}`;
  return reason ?? "it was not allowed";
}

/** "GET /orgs/acme" → "opening /orgs/acme"; "POST /orgs/acme" → "a change at /orgs/acme". */
export function routeInWords(route: string | null): string {
  const m = /^([A-Z]+) (\S+)$/.exec(route ?? "");
  if (!m) return route ?? "a request";
  return m[1] === "GET" || m[1] === "HEAD" ? `opening ${m[2]}` : `a change at ${m[2]}`;
}

type Phrase = (f: EventFacts, who: string) => string;

const PHRASES: Record<string, Phrase> = {
  "session.sign_in": (f, who) => (f.outcome === "success" ? `${who} signed in` : `A sign-in as ${who} failed`),
  "session.sign_out": (f, who) =>
    f.details.everywhere === true
      ? `${who} signed out everywhere (${num(f.details.sessionsEnded) ?? "all"} sessions ended)`
      : `${who} signed out`,
  "access.denied": (f, who) => `${who} was refused ${routeInWords(f.target)}: ${refusalReason(str(f.details.reason))}`,
  "membership.role_changed": (f, who) =>
    f.details.via === "invitation"
      ? `${who} became ${roleA(f.details.to)} through a setup link (was ${roleA(f.details.from)})`
      : `${who} changed ${f.target ?? "a member"}'s role from ${roleThe(f.details.from)} to ${roleThe(f.details.to)}`,
  "membership.removed": (f, who) => `${who} removed ${f.target ?? "a member"} (${roleThe(f.details.role)})`,
  "membership.added": (f, who) => `${who} joined as ${roleA(f.details.role)} through a setup link`,
  "invitation.created": (f, who) => {
    const uses = num(f.details.maxUses);
    return `${who} created a setup link for ${roleA(f.details.role)}${uses && uses > 1 ? ` (${uses} uses)` : ""}`;
  },
  "invitation.revoked": (_f, who) => `${who} revoked a setup link`,
  "invitation.accepted": (f, who) => `${who} used a setup link for ${roleA(f.details.role)}`,
  "organization.created": (f, who) =>
    `${who} added the organization ${str(f.details.name) ?? f.orgName ?? f.target ?? ""}`.trimEnd(),
  "domain.added": (f, who) => `${who} added the domain ${f.target ?? ""}`.trimEnd(),
  "domain.check_failed": (f, who) =>
    `${who} checked the domain ${f.target ?? ""}, which is not proved yet${str(f.details.reason) ? `: ${str(f.details.reason)}` : ""}`,
  "domain.verified": (f, who) =>
    f.details.method === "manual"
      ? `${who} verified the domain ${f.target ?? ""} by hand${str(f.details.reason) ? ` (${str(f.details.reason)})` : ""}`
      : `${who} verified the domain ${f.target ?? ""} by its DNS record`,
  "domain.removed": (f, who) => `${who} removed the domain ${f.target ?? ""}`.trimEnd(),
  "domain.verification_lost": (f) =>
    `The domain ${f.target ?? ""} lost its verification: its DNS record was not found${str(f.details.reason) ? ` (${str(f.details.reason)})` : ""}`,
  "connection.apply": (f, who) =>
    f.outcome === "success"
      ? `${who} applied the SSO connection to Auth0${num(f.details.version) ? ` (version ${num(f.details.version)})` : ""}`
      : `Applying the SSO connection to Auth0 failed${str(f.details.message) ? `: ${str(f.details.message)}` : ""}`,
  "connection.remove": (f, who) =>
    f.outcome === "success"
      ? `${who} removed the SSO connection from Auth0`
      : `Removing the SSO connection from Auth0 failed${str(f.details.message) ? `: ${str(f.details.message)}` : ""}`,
  "connection.refused": (f, who) =>
    `${who} was refused a change to the connection ${str(f.details.connectionName) ?? ""}: ${str(f.details.reason) ?? "not allowed"}`,
  "api_key.created": (f, who) => `${who} created the API key ${str(f.details.name) ?? ""}`.trimEnd(),
  "api_key.revoked": (f, who) => `${who} revoked the API key ${str(f.details.name) ?? ""}`.trimEnd(),
  "sso.draft.save": (_f, who) => `${who} saved the SSO setup draft`,
  "sso.draft.discard": (_f, who) => `${who} discarded the SSO setup draft`,
  "scheduled_job.run_requested": (f, who) => `${who} asked for the job ${f.target ?? ""} to run now`.trimEnd(),
  "connection.drift_detected": (f) =>
    f.details.status === "missing"
      ? `The drift check found a connection missing in Auth0 (${f.target ?? "last applied version"})`
      : `The drift check found the connection changed in Auth0 outside the portal (${f.target ?? "last applied version"})`,
  "connection.drift_reapplied": (f, who) => `${who} re-applied the portal's ${f.target ?? "version"} over Auth0's`,
  "connection.drift_accepted": (f, who) => `${who} accepted Auth0's settings as ${f.target ?? "a new version"}`,
};

/** The action alone, in words, for the filter's choices: "membership.role_changed" → "Role changed". */
const ACTION_LABELS: Record<string, string> = {
  "session.sign_in": "Signed in",
  "session.sign_out": "Signed out",
  "access.denied": "Refused",
  "membership.role_changed": "Role changed",
  "membership.removed": "Member removed",
  "membership.added": "Member joined",
  "invitation.created": "Setup link created",
  "invitation.revoked": "Setup link revoked",
  "invitation.accepted": "Setup link used",
  "organization.created": "Organization added",
  "domain.added": "Domain added",
  "domain.check_failed": "Domain check failed",
  "domain.verified": "Domain verified",
  "domain.removed": "Domain removed",
  "domain.verification_lost": "Domain verification lost",
  "connection.apply": "Connection applied",
  "connection.remove": "Connection removed",
  "connection.refused": "Connection change refused",
  "api_key.created": "API key created",
  "api_key.revoked": "API key revoked",
  "sso.draft.save": "SSO draft saved",
  "sso.draft.discard": "SSO draft discarded",
  "scheduled_job.run_requested": "Job run requested",
  "connection.drift_detected": "Drift found",
  "connection.drift_reapplied": "Drift: ours re-applied",
  "connection.drift_accepted": "Drift: Auth0's accepted",
};

export function actionLabel(action: string): string {
  if (ACTION_LABELS[action]) return ACTION_LABELS[action];
  const words = action.replace(/[._]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function describeEvent(facts: EventFacts): string {
  const who = actorInWords(facts.actor);
  const phrase = PHRASES[facts.action];
  if (phrase) return phrase(facts, who);
  const outcome = facts.outcome === "success" ? "" : ` (${facts.outcome})`;
  // Ids mean nothing to a reader: a target that is one is left out.
  const target = facts.target && !/^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(facts.target) ? ` — ${facts.target}` : "";
  return `${who}: ${actionLabel(facts.action).toLowerCase()}${target}${outcome}`;
}
