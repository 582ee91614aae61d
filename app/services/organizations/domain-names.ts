import { domainToASCII } from "node:url";

/**
 * What an organization may claim as its e-mail domain: a registrable-looking DNS name, in its
 * lower-case ASCII (IDNA) form, that is not a mail provider shared by the whole world.
 */

export const MAX_DOMAIN_LENGTH = 253;

/** Domains whose users are everyone: nobody proves they own gmail.com's people. */
const SHARED_MAIL_DOMAINS = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.com",
  "gmx.de",
  "web.de",
  "mail.com",
  "yandex.ru",
  "qq.com",
  "163.com",
]);

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type DomainNameResult = { ok: true; domain: string } | { ok: false; error: string };

export function normalizeDomain(input: string): DomainNameResult {
  let text = input.trim().toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text) || text.includes("/")) {
    return { ok: false, error: "Give the domain only, without https:// or a path, e.g. acme.com." };
  }
  if (text.startsWith("@")) text = text.slice(1);
  if (text.includes("@")) {
    return { ok: false, error: "Give the domain only, not an e-mail address: for jane@acme.com, acme.com." };
  }
  if (text.startsWith("*.")) {
    return { ok: false, error: "Wildcards are not needed: add acme.com, and each subdomain your users sign in with." };
  }
  text = text.replace(/\.$/, "");
  if (text === "") return { ok: false, error: "Give a domain, e.g. acme.com." };
  const ascii = domainToASCII(text);
  if (!ascii || ascii.length > MAX_DOMAIN_LENGTH) {
    return { ok: false, error: "That is not a domain name. Use letters, digits, hyphens and dots, e.g. acme.com." };
  }
  const labels = ascii.split(".");
  if (labels.length < 2) {
    return { ok: false, error: "Give a full domain with a dot, e.g. acme.com." };
  }
  if (!labels.every((l) => LABEL.test(l))) {
    return {
      ok: false,
      error: "That is not a domain name. Each part holds letters, digits and inner hyphens, e.g. mail.acme.com.",
    };
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) {
    return { ok: false, error: "Give a domain name, not an IP address." };
  }
  if (SHARED_MAIL_DOMAINS.has(ascii)) {
    return {
      ok: false,
      error: `${ascii} is a public mail service used by everyone; add your organization's own domain.`,
    };
  }
  return { ok: true, domain: ascii };
}

/** The DNS name whose TXT record proves control of `domain`. */
export const VERIFICATION_LABEL = "_sso-portal-verification";

export function verificationRecordName(domain: string): string {
  return `${VERIFICATION_LABEL}.${domain}`;
}

/** The domain part of an e-mail address, lower-case ASCII; null when there is none. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf("@");
  if (at < 1) return null;
  const result = normalizeDomain(email.slice(at + 1));
  return result.ok ? result.domain : null;
}
