import { z } from "zod";

/** A support lead resolves a drift by putting the portal's version back in Auth0 (one button). */
export const reapplyDriftSchema = z.object({});

/** A support lead resolves a drift by taking what Auth0 holds as the organization's next version (one button). */
export const acceptDriftSchema = z.object({});
