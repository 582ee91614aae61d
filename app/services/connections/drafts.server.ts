import type { Selectable } from "kysely";
import type { ValidationReport } from "~/validators/index";
import { auditActor, recordAudit } from "../audit/audit.server";
import { assertOrgPermission } from "../identity/authorize.server";
import type { OrganizationScope } from "../identity/scope.server";
import { getDb, type Executor } from "../platform/db.server";
import type { ConnectionDraftsTable, ConnectionDraftState } from "../platform/db/schema";
import {
  connectionConfigurationSchema,
  connectionSourceSchema,
  type ConnectionConfiguration,
  type ConnectionSource,
} from "./configuration";

/**
 * An organization's SSO draft: one per organization, read and written only through the
 * organization's scope. Saves are optimistic: each names the version it edited, and a save over a
 * newer version (another administrator saved meanwhile) is refused with who saved it and when,
 * never applied over it. A draft is editable while its state is `draft`; submitting it (the
 * change-request service) moves it on.
 */
export interface Draft {
  organizationId: string;
  configuration: ConnectionConfiguration;
  report: ValidationReport;
  source: ConnectionSource;
  state: ConnectionDraftState;
  version: number;
  author: { userId: string | null; label: string };
  createdAt: Date;
  updatedAt: Date;
}

export type SaveDraftResult =
  | { ok: true; draft: Draft }
  | { ok: false; reason: "conflict"; current: Draft | null }
  | { ok: false; reason: "not-editable"; current: Draft };

function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** A draft's row, as its table returns it or as JSON in a larger statement (timestamps as text). */
export type DraftRow = Omit<Selectable<ConnectionDraftsTable>, "created_at" | "updated_at"> & {
  created_at: Date | string;
  updated_at: Date | string;
};

export function toDraft(row: DraftRow): Draft {
  return {
    organizationId: row.organization_id,
    configuration: connectionConfigurationSchema.parse(json(row.configuration)),
    report: json<ValidationReport>(row.report),
    source: connectionSourceSchema.parse(json(row.source)),
    state: row.state,
    version: row.version,
    author: { userId: row.author_user_id, label: row.author_label },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

async function readDraft(db: Executor, scope: OrganizationScope): Promise<Draft | null> {
  const row = await db
    .selectFrom("connection_drafts")
    .selectAll()
    .where("organization_id", "=", scope.org.id)
    .executeTakeFirst();
  return row ? toDraft(row) : null;
}

/** The organization's draft, or null. Every member may read it (the secret in it is sealed). */
export async function getDraft(scope: OrganizationScope): Promise<Draft | null> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:read");
  return readDraft(await getDb(), scope);
}

export interface DraftContent {
  configuration: ConnectionConfiguration;
  report: ValidationReport;
}

/**
 * Saves the organization's draft. `expectedVersion`: the version the admin edited, or null for a
 * first draft. Returns the saved draft, or the current one when another save came first.
 */
export async function saveDraft(
  scope: OrganizationScope,
  content: DraftContent,
  expectedVersion: number | null,
): Promise<SaveDraftResult> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:manage");
  const configuration = connectionConfigurationSchema.parse(content.configuration);
  if (content.report.verdict === "error") throw new Error("A report with errors cannot be saved as a draft.");
  const actor = auditActor(scope);
  const values = {
    protocol: configuration.protocol,
    idp: configuration.idp,
    configuration: JSON.stringify(configuration),
    report: JSON.stringify(content.report),
    source: JSON.stringify(configuration.source),
    author_user_id: actor.actorUserId,
    author_label: actor.actorLabel,
  };
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const row =
      expectedVersion === null
        ? await trx
            .insertInto("connection_drafts")
            .values({ organization_id: scope.org.id, ...values })
            .onConflict((oc) => oc.column("organization_id").doNothing())
            .returningAll()
            .executeTakeFirst()
        : await trx
            .updateTable("connection_drafts")
            .set((eb) => ({ ...values, version: eb("version", "+", 1), updated_at: new Date() }))
            .where("organization_id", "=", scope.org.id)
            .where("version", "=", expectedVersion)
            .where("state", "=", "draft")
            .returningAll()
            .executeTakeFirst();
    if (!row) {
      const current = await readDraft(trx, scope);
      if (current && current.state !== "draft") return { ok: false, reason: "not-editable", current };
      return { ok: false, reason: "conflict", current };
    }
    const draft = toDraft(row);
    await recordAudit(trx, {
      actorUserId: actor.actorUserId,
      actorLabel: actor.actorLabel,
      organizationId: scope.org.id,
      action: "sso.draft.save",
      target: `${configuration.protocol}:${configuration.idp}`,
      details: { version: draft.version, source: configuration.source.kind, verdict: content.report.verdict },
    });
    return { ok: true, draft };
  });
}

/** Throws the draft away (only the version the admin saw, only while editable). */
export async function discardDraft(scope: OrganizationScope, expectedVersion: number): Promise<boolean> {
  if (scope.kind === "org") assertOrgPermission(scope, "org:sso:manage");
  const actor = auditActor(scope);
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom("connection_drafts")
      .where("organization_id", "=", scope.org.id)
      .where("version", "=", expectedVersion)
      .where("state", "=", "draft")
      .executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) return false;
    await recordAudit(trx, {
      actorUserId: actor.actorUserId,
      actorLabel: actor.actorLabel,
      organizationId: scope.org.id,
      action: "sso.draft.discard",
      details: { version: expectedVersion },
    });
    return true;
  });
}
