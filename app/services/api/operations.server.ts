import { z } from "zod";
import type { ValidationReport } from "~/validators/index";
import { listJobs } from "../apply/jobs.server";
import { getOrgChange, listOrgChanges, listVersions } from "../change-requests/queries.server";
import { submitChange } from "../change-requests/submit.server";
import { listDomains } from "../organizations/domains.server";
import {
  actingFor,
  createOrganizationAs,
  findOrganization,
  listOrganizationsFor,
  resumeOrganization,
  suspendOrganization,
  type LifecycleResult,
  type OrganizationRecord,
  type StaffScope,
} from "../organizations/organizations.server";
import { getDb } from "../platform/db.server";
import type { ChangeRequestRow } from "../platform/db/schema";
import { configurationDocumentSchema, judgeConfigurationDocument } from "./configuration-document.server";
import { ApiError, type ApiErrorCode } from "./errors";
import { openApiDocument } from "./openapi";
import type { ApiContext, ApiOperation } from "./router.server";

/**
 * The operations of /api/v1, each calling the same services as the pages with the key's scope.
 * Paths are the OpenAPI document's templates.
 */

function organizationJson(o: OrganizationRecord) {
  return {
    slug: o.slug,
    name: o.name,
    status: o.status,
    auth0OrganizationId: o.auth0OrgId,
    createdAt: o.createdAt.toISOString(),
  };
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

function changeJson(c: ChangeRequestRow, slug: string) {
  return {
    id: String(c.id),
    organization: slug,
    state: c.state,
    protocol: c.protocol,
    verdict: c.verdict,
    summary: c.summary,
    risk: c.risk,
    policyRule: c.policy_rule,
    policyReason: c.policy_reason,
    author: c.author_label,
    reviewer: c.reviewer_label,
    reason: c.reason,
    version: c.version,
    submittedAt: iso(c.submitted_at),
    appliedAt: iso(c.applied_at),
    applyError: c.apply_error,
  };
}

function findingsJson(report: unknown) {
  const r = (typeof report === "string" ? JSON.parse(report) : report) as Partial<ValidationReport> | null;
  const list = (v: unknown) =>
    Array.isArray(v)
      ? v.map((f: { code?: unknown; message?: unknown; fix?: unknown }) => ({
          code: String(f.code ?? ""),
          message: String(f.message ?? ""),
          fix: String(f.fix ?? ""),
        }))
      : [];
  return { errors: list(r?.errors), warnings: list(r?.warnings) };
}

/** A lifecycle move's answer: 202 with the organization as it is now and the apply job. */
async function lifecycleAnswer(context: ApiContext, org: OrganizationRecord, result: LifecycleResult) {
  if (!result.ok) throw new ApiError("conflict", result.error);
  const now = await findOrganization(context.scope as StaffScope, org.slug);
  return { status: 202, body: { organization: organizationJson(now ?? org), applyJobId: result.jobId } };
}

const MOVE_ERROR: Record<400 | 403 | 404 | 409, ApiErrorCode> = {
  400: "invalid_request",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
};

/** The organization named in the path, as the key may see it; 404 otherwise. */
async function organizationIn(context: ApiContext): Promise<OrganizationRecord> {
  const org = await findOrganization(context.scope as StaffScope, context.params.slug ?? "");
  if (!org) throw new ApiError("not_found", "There is no such organization, or this key may not see it.");
  return org;
}

function invalid(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const where = issue?.path.join(".");
  return new ApiError("invalid_request", `${where ? `${where}: ` : ""}${issue?.message ?? "invalid body"}`);
}

const createOrganizationBody = z
  .object({
    slug: z.string({ message: "give the slug as a string" }),
    name: z.string({ message: "give the name as a string" }),
    auth0OrganizationId: z.string().optional(),
  })
  .strict();

export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "GET",
    path: "/openapi.json",
    authenticated: false,
    run: async () => ({ status: 200, body: openApiDocument }),
  },
  {
    method: "GET",
    path: "/organizations",
    run: async ({ scope }) => ({
      status: 200,
      body: { organizations: (await listOrganizationsFor(scope)).map(organizationJson) },
    }),
  },
  {
    method: "POST",
    path: "/organizations",
    run: async ({ scope, body }) => {
      const parsed = createOrganizationBody.safeParse(body);
      if (!parsed.success) throw invalid(parsed.error);
      const result = await createOrganizationAs(scope, {
        slug: parsed.data.slug,
        name: parsed.data.name,
        auth0OrgId: parsed.data.auth0OrganizationId ?? null,
      });
      if (!result.ok) {
        const field = result.field === "auth0OrgId" ? "auth0OrganizationId" : result.field;
        throw new ApiError(result.conflict ? "conflict" : "invalid_request", `${field}: ${result.error}`);
      }
      return {
        status: 201,
        body: organizationJson(result.organization),
        headers: { location: `/api/v1/organizations/${result.organization.slug}` },
      };
    },
  },
  {
    method: "GET",
    path: "/organizations/{slug}",
    run: async (context) => ({ status: 200, body: organizationJson(await organizationIn(context)) }),
  },
  {
    method: "GET",
    path: "/organizations/{slug}/sso",
    run: async (context) => {
      const org = await organizationIn(context);
      const acting = actingFor(context.scope, org);
      const [domains, jobs] = await Promise.all([listDomains(acting), listJobs(await getDb(), acting, 1)]);
      const last = jobs[0];
      return {
        status: 200,
        body: {
          organization: org.slug,
          domains: domains.map((d) => ({
            domain: d.domain,
            verified: d.verified,
            verifiedAt: d.verifiedAt?.toISOString() ?? null,
            method: d.method,
          })),
          status: org.status,
          lastApply: last
            ? {
                id: String(last.id),
                kind: last.kind,
                status: last.status,
                version: last.version,
                requestedBy: last.requested_by,
                createdAt: new Date(last.created_at).toISOString(),
                finishedAt: last.finished_at ? new Date(last.finished_at).toISOString() : null,
                error: last.last_error,
              }
            : null,
        },
      };
    },
  },
  {
    method: "POST",
    path: "/organizations/{slug}/suspend",
    run: async (context) => {
      const org = await organizationIn(context);
      return lifecycleAnswer(context, org, await suspendOrganization(context.scope, org));
    },
  },
  {
    method: "POST",
    path: "/organizations/{slug}/resume",
    run: async (context) => {
      const org = await organizationIn(context);
      return lifecycleAnswer(context, org, await resumeOrganization(context.scope, org));
    },
  },
  {
    method: "GET",
    path: "/organizations/{slug}/versions",
    run: async (context) => {
      const org = await organizationIn(context);
      const versions = await listVersions(actingFor(context.scope, org));
      return {
        status: 200,
        body: {
          versions: versions.map((v) => ({
            version: v.version,
            changeRequestId: v.changeId,
            source: v.source,
            protocol: v.protocol,
            summary: v.summary,
            author: v.author,
            approvedBy: v.approvedBy,
            appliedAt: v.appliedAt?.toISOString() ?? null,
            staged: v.staged,
            live: v.live,
          })),
        },
      };
    },
  },
  {
    method: "GET",
    path: "/organizations/{slug}/change-requests",
    run: async (context) => {
      const org = await organizationIn(context);
      const changes = await listOrgChanges(actingFor(context.scope, org), 50);
      return { status: 200, body: { changeRequests: changes.map((c) => changeJson(c, org.slug)) } };
    },
  },
  {
    method: "POST",
    path: "/organizations/{slug}/change-requests",
    run: async (context) => {
      const org = await organizationIn(context);
      if (org.status !== "active") throw new ApiError("conflict", `${org.name} is ${org.status}: it takes no changes.`);
      const parsed = configurationDocumentSchema.safeParse(context.body);
      if (!parsed.success) throw invalid(parsed.error);
      const input = await judgeConfigurationDocument(parsed.data);
      const result = await submitChange(actingFor(context.scope, org), input);
      if (!result.ok) throw new ApiError(MOVE_ERROR[result.status], result.error);
      return {
        status: 201,
        body: { ...changeJson(result.change, org.slug), ...findingsJson(result.change.report) },
        headers: { location: `/api/v1/organizations/${org.slug}/change-requests/${result.change.id}` },
      };
    },
  },
  {
    method: "GET",
    path: "/organizations/{slug}/change-requests/{id}",
    run: async (context) => {
      const org = await organizationIn(context);
      const found = await getOrgChange(actingFor(context.scope, org), context.params.id ?? "");
      if (!found) throw new ApiError("not_found", "There is no such change request in this organization.");
      return {
        status: 200,
        body: { ...changeJson(found.change, org.slug), ...findingsJson(found.change.report) },
      };
    },
  },
];
