import { sql } from "kysely";
import { getDb } from "../platform/db.server";
import type { User } from "../platform/db/schema";

/**
 * Portal users are keyed by the tenant's subject (`sub`). A row without a sub (seeded or created
 * before the person's first sign-in) is claimed by the first sign-in with the same verified
 * e-mail. A different sub with an e-mail already taken is refused: the portal never merges two
 * tenant identities on its own.
 */
export interface SignInClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
}

export class SignInRefused extends Error {
  constructor(
    readonly reason: "no_email" | "email_unverified" | "email_taken",
    message: string,
  ) {
    super(message);
  }
}

export async function upsertUserFromClaims(claims: SignInClaims): Promise<User> {
  const db = await getDb();
  const name = typeof claims.name === "string" ? claims.name.slice(0, 200) : null;
  const now = new Date();
  const bySub = await db.selectFrom("users").selectAll().where("sub", "=", claims.sub).executeTakeFirst();
  if (bySub) {
    return db
      .updateTable("users")
      .set({ last_login_at: now, ...(name ? { name } : {}) })
      .where("id", "=", bySub.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const email = typeof claims.email === "string" ? claims.email.trim().slice(0, 320) : "";
  if (!email || !email.includes("@")) {
    throw new SignInRefused(
      "no_email",
      "Your sign-in did not include an e-mail address. Ask your administrator to include the email scope.",
    );
  }
  const byEmail = await db
    .selectFrom("users")
    .selectAll()
    .where(sql`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirst();
  if (byEmail) {
    if (byEmail.sub !== null) {
      throw new SignInRefused(
        "email_taken",
        "Another sign-in already uses this e-mail address in the portal. Sign in the way you did before, or ask support.",
      );
    }
    if (claims.email_verified !== true) {
      throw new SignInRefused("email_unverified", "Verify your e-mail address with your identity provider first.");
    }
    return db
      .updateTable("users")
      .set({ sub: claims.sub, last_login_at: now, ...(name ? { name } : {}) })
      .where("id", "=", byEmail.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return db
    .insertInto("users")
    .values({ sub: claims.sub, email, name, last_login_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getUserById(id: string): Promise<User | undefined> {
  const db = await getDb();
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}
