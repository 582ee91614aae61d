import { z } from "zod";

/** A support lead makes an API key, for every organization ("") or one (its slug). */
export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, "Name the key, e.g. “Billing sync”.").max(100, "At most 100 characters."),
  organization: z.string(),
});

export const revokeApiKeySchema = z.object({ keyId: z.string().uuid() });
