import { CHANGE_STATES } from "../change-requests/states";
import { IDP_IDS } from "../connections/identity-providers";
import { API_ERROR_CODES } from "./errors";

/**
 * The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json. The router's table names
 * each operation by its path template here, and the contract test validates every answer the
 * tests get against the schemas below: the document cannot drift from what the API sends.
 */

const errorRef = { $ref: "#/components/responses/Error" };

function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [String(s), errorRef]));
}

const ref = (schema: string) => ({ $ref: `#/components/schemas/${schema}` });
const json = (schema: string) => ({ "application/json": { schema: ref(schema) } });
const arrayOf = (schema: string) => ({ type: "array", items: ref(schema) });

/** An operation answering `status` with a `schema` body, or one of the error statuses. */
function operation(
  operationId: string,
  summary: string,
  answer: { status: number; description: string; schema: string },
  errorStatuses: number[],
  requestSchema?: string,
) {
  return {
    operationId,
    summary,
    ...(requestSchema ? { requestBody: { required: true, content: json(requestSchema) } } : {}),
    responses: {
      [answer.status]: { description: answer.description, content: json(answer.schema) },
      ...errors(...errorStatuses),
    },
  };
}

/** An object schema with exactly these properties, all of them required unless `required` says which. */
function closedObject(properties: Record<string, unknown>, required: string[] = Object.keys(properties)) {
  return { type: "object", additionalProperties: false, required, properties };
}

const idParam = {
  name: "id",
  in: "path",
  required: true,
  description: "The change request's id.",
  schema: { type: "string", pattern: "^[0-9]{1,18}$" },
};

const nullableString = { type: ["string", "null"] };
const nullableDate = { type: ["string", "null"], format: "date-time" };
const dateTime = { type: "string", format: "date-time" };
const organizationStatus = { type: "string", enum: ["active", "suspended", "removing", "removed"] };
const protocol = { type: "string", enum: ["saml", "oidc"] };

const changeRequestProperties = {
  id: { type: "string" },
  organization: { type: "string" },
  state: { type: "string", enum: [...CHANGE_STATES] },
  protocol,
  verdict: { type: "string", enum: ["ok", "warn", "error"] },
  summary: { type: "string" },
  risk: { type: "string", enum: ["low", "medium", "high"] },
  policyRule: { type: "string" },
  policyReason: { type: "string" },
  author: { type: "string" },
  reviewer: nullableString,
  reason: { ...nullableString, description: "Why it was rejected." },
  version: { type: ["integer", "null"], description: "Given when it is approved." },
  submittedAt: nullableDate,
  appliedAt: nullableDate,
  applyError: nullableString,
};

const slugParam = {
  name: "slug",
  in: "path",
  required: true,
  description: "The organization's slug, e.g. acme.",
  schema: { type: "string", pattern: "^[a-z0-9](-?[a-z0-9])*$", maxLength: 40 },
};

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "SSO Portal API",
    version: "1.0.0",
    description:
      "The SSO portal's operations for the vendor's own systems. Authenticate with an API key that a support " +
      "lead creates on /support/api-keys: `Authorization: Bearer ssop_…`. A key acts for every organization or " +
      "for one; another organization answers 404. Each key may make 120 requests a minute (429 with Retry-After " +
      'beyond). Every error has the same shape: `{"error": {"code", "message"}}`. Cookies are never used.',
  },
  servers: [{ url: "/api/v1" }],
  security: [{ apiKey: [] }],
  paths: {
    "/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document",
        security: [],
        responses: { "200": { description: "The OpenAPI document.", content: { "application/json": {} } } },
      },
    },
    "/organizations": {
      get: operation(
        "listOrganizations",
        "Organizations the key may see",
        { status: 200, description: "Organizations, by name.", schema: "OrganizationList" },
        [401, 429],
      ),
      post: operation(
        "createOrganization",
        "Create an organization (keys for every organization only)",
        { status: 201, description: "Created.", schema: "Organization" },
        [400, 401, 403, 409, 413, 415, 429],
        "OrganizationCreate",
      ),
    },
    "/organizations/{slug}": {
      parameters: [slugParam],
      get: operation(
        "getOrganization",
        "One organization",
        { status: 200, description: "The organization.", schema: "Organization" },
        [401, 404, 429],
      ),
    },
    "/organizations/{slug}/sso": {
      parameters: [slugParam],
      get: operation(
        "getSsoStatus",
        "The organization's SSO status: domains and the last change applied to Auth0",
        { status: 200, description: "Status.", schema: "SsoStatus" },
        [401, 404, 429],
      ),
    },
    "/organizations/{slug}/suspend": {
      parameters: [slugParam],
      post: operation(
        "suspendOrganization",
        "Suspend: its members are signed out, its connections disabled in Auth0 (through the apply engine); everything is kept. Keys for every organization only; no body needed.",
        { status: 202, description: "Suspended; the Auth0 side follows.", schema: "LifecycleAnswer" },
        [401, 403, 404, 409, 429],
      ),
    },
    "/organizations/{slug}/resume": {
      parameters: [slugParam],
      post: operation(
        "resumeOrganization",
        "Un-suspend: its members may sign in again, its live connections are enabled again in Auth0 as last applied. Keys for every organization only; no body needed.",
        { status: 202, description: "Active again; the Auth0 side follows.", schema: "LifecycleAnswer" },
        [401, 403, 404, 409, 429],
      ),
    },
    "/organizations/{slug}/versions": {
      parameters: [slugParam],
      get: operation(
        "listVersions",
        "Every configuration version applied for the organization, newest first",
        { status: 200, description: "Versions.", schema: "VersionList" },
        [401, 404, 429],
      ),
    },
    "/organizations/{slug}/change-requests": {
      parameters: [slugParam],
      get: operation(
        "listChangeRequests",
        "The organization's latest 50 change requests, newest first",
        { status: 200, description: "Change requests.", schema: "ChangeRequestList" },
        [401, 404, 429],
      ),
      post: operation(
        "submitChangeRequest",
        "Submit a configuration document: judged by the portal's validators, then a change request under the review policies (it may be approved at once)",
        {
          status: 201,
          description: "Submitted (state pending_review, or approved by a policy).",
          schema: "ChangeRequestDetail",
        },
        [400, 401, 403, 404, 409, 413, 415, 429],
        "ConfigurationDocument",
      ),
    },
    "/organizations/{slug}/change-requests/{id}": {
      parameters: [slugParam, idParam],
      get: operation(
        "getChangeRequest",
        "One change request, with its validation findings",
        { status: 200, description: "The change request.", schema: "ChangeRequestDetail" },
        [401, 404, 429],
      ),
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: "http", scheme: "bearer", description: "An API key, ssop_ followed by 43 characters." },
    },
    responses: {
      Error: { description: "An error, in the one shape every error has.", content: json("Error") },
    },
    schemas: {
      Error: closedObject({
        error: closedObject({
          code: { type: "string", enum: Object.keys(API_ERROR_CODES) },
          message: { type: "string", minLength: 1 },
        }),
      }),
      Organization: closedObject({
        slug: { type: "string", pattern: "^[a-z0-9](-?[a-z0-9])*$" },
        name: { type: "string", minLength: 1, maxLength: 100 },
        status: organizationStatus,
        auth0OrganizationId: { type: ["string", "null"], pattern: "^org_[A-Za-z0-9]+$" },
        createdAt: dateTime,
      }),
      OrganizationList: closedObject({ organizations: arrayOf("Organization") }),
      OrganizationCreate: closedObject(
        {
          slug: { type: "string", description: "1–40 lowercase letters, digits and single hyphens." },
          name: { type: "string", description: "1–100 characters." },
          auth0OrganizationId: { type: "string", description: "Link an existing Auth0 Organization (org_…)." },
        },
        ["slug", "name"],
      ),
      Domain: closedObject({
        domain: { type: "string" },
        verified: { type: "boolean" },
        verifiedAt: nullableDate,
        method: { type: ["string", "null"], enum: ["dns", "manual", null] },
      }),
      ApplyJob: closedObject({
        id: { type: "string" },
        kind: { type: "string" },
        status: { type: "string", enum: ["queued", "running", "succeeded", "failed", "dead"] },
        version: { type: "integer" },
        requestedBy: { type: "string" },
        createdAt: dateTime,
        finishedAt: nullableDate,
        error: nullableString,
      }),
      SsoStatus: closedObject({
        organization: { type: "string" },
        status: organizationStatus,
        domains: arrayOf("Domain"),
        lastApply: { oneOf: [ref("ApplyJob"), { type: "null" }] },
      }),
      LifecycleAnswer: closedObject({
        organization: ref("Organization"),
        applyJobId: { ...nullableString, description: "The apply job taking it to Auth0." },
      }),
      Version: closedObject({
        version: { type: "integer", minimum: 1 },
        changeRequestId: { ...nullableString, description: "Null for a version taken from Auth0." },
        source: {
          type: "string",
          enum: ["change-request", "auth0"],
          description:
            "change-request: reviewed in the portal; auth0: Auth0's settings accepted as a new version by support (approvedBy names who).",
        },
        protocol,
        summary: { type: "string" },
        author: { type: "string" },
        approvedBy: nullableString,
        appliedAt: nullableDate,
        staged: { type: "boolean", description: "The newest applied version: what the staged -test connection holds." },
        live: { type: "boolean", description: "The version on the live connection (after go-live or a roll back)." },
      }),
      VersionList: closedObject({ versions: arrayOf("Version") }),
      // Open (no additionalProperties): ChangeRequestDetail adds its findings to it.
      ChangeRequest: {
        type: "object",
        required: Object.keys(changeRequestProperties),
        properties: changeRequestProperties,
      },
      ChangeRequestList: closedObject({
        changeRequests: {
          type: "array",
          items: { allOf: [ref("ChangeRequest")], unevaluatedProperties: false },
        },
      }),
      Finding: closedObject({ code: { type: "string" }, message: { type: "string" }, fix: { type: "string" } }),
      ChangeRequestDetail: {
        allOf: [ref("ChangeRequest")],
        required: ["errors", "warnings"],
        properties: { errors: arrayOf("Finding"), warnings: arrayOf("Finding") },
        unevaluatedProperties: false,
      },
      ConfigurationDocument: {
        ...closedObject(
          {
            idp: { type: "string", enum: [...IDP_IDS] },
            saml: {
              oneOf: [
                closedObject({ metadataXml: { type: "string", description: "The IdP's SAML metadata document." } }),
                closedObject({ metadataUrl: { type: "string", format: "uri" } }),
              ],
            },
            oidc: closedObject(
              {
                discoveryUrl: { type: "string", format: "uri" },
                clientId: { type: "string" },
                clientType: { type: "string", enum: ["back_channel", "front_channel"], default: "back_channel" },
                clientSecret: { type: "string", description: "Sealed at once; never shown again." },
              },
              ["discoveryUrl", "clientId"],
            ),
            mapping: {
              type: "object",
              additionalProperties: false,
              description: "Attribute names; each one left out is the identity provider's usual one.",
              properties: {
                email: { type: "string" },
                givenName: { type: "string" },
                familyName: { type: "string" },
                groups: { type: "string" },
              },
            },
          },
          ["idp"],
        ),
        description:
          "The identity provider and its side: saml (metadataXml or metadataUrl) for a SAML provider, oidc for an OpenID Connect one. Judged by the same validators as the setup wizard.",
      },
    },
  },
} as const;

export type OpenApiDocument = typeof openApiDocument;
