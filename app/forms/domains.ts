import { z } from "zod";

/** An administrator adds an e-mail domain; the service normalizes and judges it (domain-names.ts). */
export const addDomainSchema = z.object({
  domain: z.string().trim().min(1, "Give a domain, e.g. acme.com.").max(253, "A domain has at most 253 characters."),
});

/** Check now / remove: one domain of the organization's list. */
export const domainActionSchema = z.object({ domainId: z.string().uuid("Choose a domain.") });

/** A support lead verifies a domain by hand: the reason goes into the audit log. */
export const verifyByHandSchema = z.object({
  domainId: z.string().uuid("Choose a domain."),
  reason: z
    .string()
    .trim()
    .min(5, "Say in 5–500 characters how the customer proved the domain is theirs.")
    .max(500, "Say in 5–500 characters how the customer proved the domain is theirs."),
});
