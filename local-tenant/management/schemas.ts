import { z } from "zod";

/** Payload shapes several Management API families share, worded as Auth0 words their failures. */

/** A name of 1…`max` characters that must match `pattern`; `message` words a mismatch. */
export function patternedName(max: number, pattern: RegExp, message: (value: string) => string) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((v, ctx) => {
      if (!pattern.test(v)) ctx.addIssue({ code: "custom", message: message(v) });
    });
}

/** A `metadata` object: at most `maxKeys` keys, values of at most 255 characters (null removes a key). */
export function metadataRecord(maxKeys: number) {
  return z.record(z.string().max(255).nullable()).superRefine((m, ctx) => {
    const n = Object.keys(m).length;
    if (n > maxKeys) {
      ctx.addIssue({ code: "custom", message: `Too many properties defined (${n}), maximum ${maxKeys}` });
    }
  });
}
