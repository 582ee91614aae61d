/**
 * When an IdP signing certificate's expiry is worth telling someone about. Pure: the scheduled
 * job (certificate-expiry.server.ts) asks with its clock's time; the pages use the same stages
 * for their colours.
 */

/** Days before expiry at which the organization's administrators are reminded. */
export const REMINDER_DAYS = [30, 7, 1] as const;

export type ExpiryStage = "ok" | "30-days" | "7-days" | "1-day" | "expired";

const DAY = 86_400_000;

/** The most urgent stage reached: a certificate first seen 5 days before expiry is at "7-days". */
export function expiryStage(notAfter: Date, now: Date): ExpiryStage {
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) return "expired";
  if (left <= 1 * DAY) return "1-day";
  if (left <= 7 * DAY) return "7-days";
  if (left <= 30 * DAY) return "30-days";
  return "ok";
}

/** Who hears about a stage: administrators always; support from 7 days on. */
export function audienceOf(stage: ExpiryStage): { admins: boolean; support: boolean } {
  return { admins: stage !== "ok", support: stage === "7-days" || stage === "1-day" || stage === "expired" };
}

/** Whole days left, rounded up ("expires in 1 day" until the very end), 0 once expired. */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.max(0, Math.ceil((notAfter.getTime() - now.getTime()) / DAY));
}

/** The tone a page gives the expiry: red once expired or within a day, amber within 30 days. */
export function expiryTone(stage: ExpiryStage): "error" | "warn" | "ok" {
  if (stage === "expired" || stage === "1-day") return "error";
  if (stage === "ok") return "ok";
  return "warn";
}
