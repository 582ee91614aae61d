import { sql, type Kysely } from "kysely";

/**
 * An organization's lifecycle: active, suspended (its connections disabled, its members signed
 * out, everything kept), removing (the apply engine is taking it out of Auth0) and removed (a row
 * kept as history). Only an active organization's members reach its pages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("organizations")
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("active")
        .check(sql`status in ('active', 'suspended', 'removing', 'removed')`),
    )
    .addColumn("status_changed_at", "timestamptz")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("organizations").dropColumn("status_changed_at").dropColumn("status").execute();
}
