import { recordAuditOf } from "../audit/audit.server";
import { assertSupportPermission } from "../identity/authorize.server";
import type { SupportScope } from "../identity/scope.server";
import { getDb, type Executor } from "../platform/db.server";
import type { PolicySettings } from "./policies";

/** The risk policies the support lead sets at /support/policies, and the organizations marked trusted. */

export async function readPolicySettings(
  db: Executor,
): Promise<PolicySettings & { updatedBy: string | null; updatedAt: Date }> {
  const row = await db.selectFrom("change_policies").selectAll().where("id", "=", 1).executeTakeFirstOrThrow();
  return {
    autoApproveCertificateRotation: row.auto_approve_certificate_rotation,
    autoApproveTrustedOrganizations: row.auto_approve_trusted_organizations,
    autoApproveRestorePrevious: row.auto_approve_restore_previous,
    updatedBy: row.updated_by_label,
    updatedAt: new Date(row.updated_at),
  };
}

export async function isOrganizationTrusted(db: Executor, organizationId: string): Promise<boolean> {
  const row = await db
    .selectFrom("trusted_organizations")
    .select("organization_id")
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function updatePolicySettings(scope: SupportScope, settings: PolicySettings): Promise<void> {
  assertSupportPermission(scope, "support:policies:manage");
  const db = await getDb();
  await db.transaction().execute(async (trx) => {
    const before = await readPolicySettings(trx);
    await trx
      .updateTable("change_policies")
      .set({
        auto_approve_certificate_rotation: settings.autoApproveCertificateRotation,
        auto_approve_trusted_organizations: settings.autoApproveTrustedOrganizations,
        auto_approve_restore_previous: settings.autoApproveRestorePrevious,
        updated_by_label: scope.user.email,
        updated_at: new Date(),
      })
      .where("id", "=", 1)
      .execute();
    await recordAuditOf(trx, scope, {
      action: "policies.updated",
      target: "change policies",
      details: {
        before: {
          autoApproveCertificateRotation: before.autoApproveCertificateRotation,
          autoApproveTrustedOrganizations: before.autoApproveTrustedOrganizations,
          autoApproveRestorePrevious: before.autoApproveRestorePrevious,
        },
        after: settings,
      },
    });
  });
}

export interface TrustedOrganization {
  id: string;
  slug: string;
  name: string;
  markedBy: string;
  markedAt: Date;
}

export async function listTrustedOrganizations(scope: SupportScope): Promise<TrustedOrganization[]> {
  assertSupportPermission(scope, "support:changes:review");
  const db = await getDb();
  const rows = await db
    .selectFrom("trusted_organizations")
    .innerJoin("organizations", "organizations.id", "trusted_organizations.organization_id")
    .select(["organizations.id", "organizations.slug", "organizations.name", "marked_by_label", "marked_at"])
    .orderBy("organizations.name")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    markedBy: r.marked_by_label,
    markedAt: new Date(r.marked_at),
  }));
}

/** Marks (or unmarks) the organization with this slug trusted. False: no such organization. */
export async function setOrganizationTrusted(scope: SupportScope, slug: string, trusted: boolean): Promise<boolean> {
  assertSupportPermission(scope, "support:policies:manage");
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom("organizations").select("id").where("slug", "=", slug).executeTakeFirst();
    if (!org) return false;
    if (trusted) {
      await trx
        .insertInto("trusted_organizations")
        .values({ organization_id: org.id, marked_by_label: scope.user.email })
        .onConflict((oc) => oc.column("organization_id").doNothing())
        .execute();
    } else {
      await trx.deleteFrom("trusted_organizations").where("organization_id", "=", org.id).execute();
    }
    await recordAuditOf(trx, scope, {
      organizationId: org.id,
      action: trusted ? "policies.organization_trusted" : "policies.organization_untrusted",
      target: slug,
    });
    return true;
  });
}
