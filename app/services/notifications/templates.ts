/**
 * The e-mails the portal sends, as pure functions: the same facts give the same subject, plain
 * text and HTML. Every value from outside (organization names, reasons, IdP strings) is escaped in
 * the HTML; every mail links back to the page where the reader acts on it.
 */
export type MailKind =
  "change.waiting_review" | "change.approved" | "change.rejected" | "change.applied" | "change.failed";

export interface ChangeMailFacts {
  organizationName: string;
  changeId: string;
  author: string;
  /** What changed, one line ("Entity ID changed; Signing certificate added"). */
  summary: string;
  /** Who approved or rejected it. */
  reviewer?: string;
  /** Why it was rejected, or why applying it failed. */
  reason?: string;
  version?: number;
  /** Absolute URL of the page to open. */
  link: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A mail in parts: every mail has a subject, a lead, labelled lines (empty ones left out) and one action. */
export interface MailParts {
  subject: string;
  lead: string;
  lines: [string, string | undefined][];
  action: string;
}

function parts(kind: MailKind, f: ChangeMailFacts): MailParts {
  const change = `change #${f.changeId}`;
  switch (kind) {
    case "change.waiting_review":
      return {
        subject: `Review needed: ${f.organizationName} single sign-on ${change}`,
        lead: `${f.author} submitted a single sign-on change for ${f.organizationName}. It waits for a review.`,
        lines: [
          ["What changed", f.summary],
          ["Why it needs review", f.reason],
        ],
        action: "Review the change",
      };
    case "change.approved":
      return {
        subject: `Approved: your single sign-on ${change}`,
        lead: `Your single sign-on change for ${f.organizationName} was approved${f.reviewer ? ` by ${f.reviewer}` : ""} and is being applied.`,
        lines: [
          ["What changed", f.summary],
          ["Rule", f.reason],
        ],
        action: "Watch it apply",
      };
    case "change.rejected":
      return {
        subject: `Not approved: your single sign-on ${change}`,
        lead: `Your single sign-on change for ${f.organizationName} was not approved${f.reviewer ? ` by ${f.reviewer}` : ""}.`,
        lines: [
          ["Reason", f.reason],
          ["What changed", f.summary],
        ],
        action: "Read the review",
      };
    case "change.applied":
      return {
        subject: `Applied: single sign-on version ${f.version ?? ""} for ${f.organizationName}`.replace("  ", " "),
        lead: `Your single sign-on change for ${f.organizationName} is applied${f.version ? ` as version ${f.version}` : ""}. Test the sign-in before going live.`,
        lines: [["What changed", f.summary]],
        action: "Open single sign-on",
      };
    case "change.failed":
      return {
        subject: `Failed: your single sign-on ${change} could not be applied`,
        lead: `Your single sign-on change for ${f.organizationName} could not be applied. Nothing else changed.`,
        lines: [
          ["What went wrong", f.reason],
          ["What changed", f.summary],
        ],
        action: "See what to do",
      };
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function renderChangeMail(kind: MailKind, facts: ChangeMailFacts): RenderedMail {
  return renderMail(parts(kind, facts), facts.link);
}

/** Plain text and HTML of a mail; `link` is the absolute URL its action opens. */
export function renderMail(p: MailParts, link: string): RenderedMail {
  const lines = p.lines.filter((l): l is [string, string] => Boolean(l[1]));
  const text = [
    p.lead,
    "",
    ...lines.map(([k, v]) => `${k}: ${v}`),
    "",
    `${p.action}: ${link}`,
    "",
    "— SSO Portal",
  ].join("\n");
  const html = [
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933">`,
    `<p>${escapeHtml(p.lead)}</p>`,
    lines.length
      ? `<dl>${lines.map(([k, v]) => `<dt><strong>${escapeHtml(k)}</strong></dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>`
      : "",
    `<p><a href="${escapeHtml(link)}">${escapeHtml(p.action)}</a></p>`,
    `<p style="color:#616e7c">— SSO Portal</p>`,
    `</body></html>`,
  ].join("");
  return { subject: p.subject, text, html };
}

/** Mails about test logins and the live connection (issue 15): to the organization's administrators. */
export type LiveMailKind =
  "test_login.passed" | "test_login.failed" | "live.go_live" | "live.roll_back" | "live.disabled" | "live.enabled";

export interface LiveMailFacts {
  organizationName: string;
  version: number;
  /** Who did it: the tester, the administrator who put it live or rolled back, the support lead. */
  actor: string;
  /** Test logins: who signed in (the Auth0 user id), and on failure what went wrong and what to do. */
  subject?: string;
  cause?: string;
  fix?: string;
  /** Disable / enable: the support lead's reason. */
  reason?: string;
  /** Roll back: the version that was live before. */
  fromVersion?: number;
  link: string;
}

function liveParts(kind: LiveMailKind, f: LiveMailFacts): MailParts {
  const sso = `${f.organizationName} single sign-on`;
  switch (kind) {
    case "test_login.passed":
      return {
        subject: `Test login passed: ${sso} version ${f.version}`,
        lead: `${f.actor} tested version ${f.version} of ${sso} on the test connection: the sign-in worked and every check passed. It can go live.`,
        lines: [["Signed in as", f.subject]],
        action: "See the result",
      };
    case "test_login.failed":
      return {
        subject: `Test login failed: ${sso} version ${f.version}`,
        lead: `${f.actor} tested version ${f.version} of ${sso} on the test connection, and the sign-in did not pass. Your live sign-in is unchanged.`,
        lines: [
          ["What went wrong", f.cause],
          ["What to do", f.fix],
          ["Signed in as", f.subject],
        ],
        action: "See the result",
      };
    case "live.go_live":
      return {
        subject: `Going live: ${sso} version ${f.version}`,
        lead: `${f.actor} put version ${f.version} of ${sso} live: your people sign in with it as soon as it is written.`,
        lines: [],
        action: "Watch it go live",
      };
    case "live.roll_back":
      return {
        subject: `Rolled back: ${sso} is back on version ${f.version}`,
        lead: `${f.actor} rolled ${sso} back${f.fromVersion ? ` from version ${f.fromVersion}` : ""} to version ${f.version}, which was live before.`,
        lines: [],
        action: "See the live connection",
      };
    case "live.disabled":
      return {
        subject: `Disabled: ${sso}`,
        lead: `The vendor's support (${f.actor}) disabled your live single sign-on connection: nobody can sign in through it until it is enabled again.`,
        lines: [["Reason", f.reason]],
        action: "See the live connection",
      };
    case "live.enabled":
      return {
        subject: `Enabled again: ${sso}`,
        lead: `The vendor's support (${f.actor}) enabled your live single sign-on connection again (version ${f.version}).`,
        lines: [["Reason", f.reason]],
        action: "See the live connection",
      };
  }
}

export function renderLiveMail(kind: LiveMailKind, facts: LiveMailFacts): RenderedMail {
  return renderMail(liveParts(kind, facts), facts.link);
}
