import { z } from "zod";
import { listJobs } from "../apply/jobs.server";
import { listDomains } from "../organizations/domains.server";
import {
  actingFor,
  createOrganizationAs,
  findOrganization,
  listOrganizationsFor,
  type OrganizationRecord,
  type StaffScope,
} from "../organizations/organizations.server";
import { getDb } from "../platform/db.server";
import { ApiError } from "./errors";
import { openApiDocument } from "./openapi";
import type { ApiContext, ApiOperation } from "./router.server";

/**
 * The operations of /api/v1, each calling the same services as the pages with the key's scope.
 * Paths are the OpenAPI document's templates.
 */

function organizationJson(o: OrganizationRecord) {
  return { slug: o.slug, name: o.name, auth0OrganizationId: o.auth0OrgId, createdAt: o.createdAt.toISOString() };
}

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
];
