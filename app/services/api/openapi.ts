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

const json = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });

const idParam = {
  name: "id",
  in: "path",
  required: true,
  description: "The change request's id.",
  schema: { type: "string", pattern: "^[0-9]{1,18}$" },
};

const nullableString = { type: ["string", "null"] };
const nullableDate = { type: ["string", "null"], format: "date-time" };

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
      get: {
        operationId: "listOrganizations",
        summary: "Organizations the key may see",
        responses: {
          "200": {
            description: "Organizations, by name.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/OrganizationList" } } },
          },
          ...errors(401, 429),
        },
      },
      post: {
        operationId: "createOrganization",
        summary: "Create an organization (keys for every organization only)",
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/OrganizationCreate" } } },
        },
        responses: {
          "201": {
            description: "Created.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Organization" } } },
          },
          ...errors(400, 401, 403, 409, 413, 415, 429),
        },
      },
    },
    "/organizations/{slug}": {
      parameters: [slugParam],
      get: {
        operationId: "getOrganization",
        summary: "One organization",
        responses: {
          "200": {
            description: "The organization.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Organization" } } },
          },
          ...errors(401, 404, 429),
        },
      },
    },
    "/organizations/{slug}/sso": {
      parameters: [slugParam],
      get: {
        operationId: "getSsoStatus",
        summary: "The organization's SSO status: domains and the last change applied to Auth0",
        responses: {
          "200": {
            description: "Status.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/SsoStatus" } } },
          },
          ...errors(401, 404, 429),
        },
      },
    },
    "/organizations/{slug}/suspend": {
      parameters: [slugParam],
      post: {
        operationId: "suspendOrganization",
        summary:
          "Suspend: its members are signed out, its connections disabled in Auth0 (through the apply engine); everything is kept. Keys for every organization only; no body needed.",
        responses: {
          "202": { description: "Suspended; the Auth0 side follows.", content: json("LifecycleAnswer") },
          ...errors(401, 403, 404, 409, 429),
        },
      },
    },
    "/organizations/{slug}/resume": {
      parameters: [slugParam],
      post: {
        operationId: "resumeOrganization",
        summary:
          "Un-suspend: its members may sign in again, its live connections are enabled again in Auth0 as last applied. Keys for every organization only; no body needed.",
        responses: {
          "202": { description: "Active again; the Auth0 side follows.", content: json("LifecycleAnswer") },
          ...errors(401, 403, 404, 409, 429),
        },
      },
    },
    "/organizations/{slug}/versions": {
      parameters: [slugParam],
      get: {
        operationId: "listVersions",
        summary: "Every configuration version applied for the organization, newest first",
        responses: {
          "200": { description: "Versions.", content: json("VersionList") },
          ...errors(401, 404, 429),
        },
      },
    },
    "/organizations/{slug}/change-requests": {
      parameters: [slugParam],
      get: {
        operationId: "listChangeRequests",
        summary: "The organization's latest 50 change requests, newest first",
        responses: {
          "200": { description: "Change requests.", content: json("ChangeRequestList") },
          ...errors(401, 404, 429),
        },
      },
      post: {
        operationId: "submitChangeRequest",
        summary:
          "Submit a configuration document: judged by the portal's validators, then a change request under the review policies (it may be approved at once)",
        requestBody: { required: true, content: json("ConfigurationDocument") },
        responses: {
          "201": {
            description: "Submitted (state pending_review, or approved by a policy).",
            content: json("ChangeRequestDetail"),
          },
          ...errors(400, 401, 403, 404, 409, 413, 415, 429),
        },
      },
    },
    "/organizations/{slug}/change-requests/{id}": {
      parameters: [slugParam, idParam],
      get: {
        operationId: "getChangeRequest",
        summary: "One change request, with its validation findings",
        responses: {
          "200": { description: "The change request.", content: json("ChangeRequestDetail") },
          ...errors(401, 404, 429),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: "http", scheme: "bearer", description: "An API key, ssop_ followed by 43 characters." },
    },
    responses: {
      Error: {
        description: "An error, in the one shape every error has.",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    },
    schemas: {
      Error: {
        type: "object",
        additionalProperties: false,
        required: ["error"],
        properties: {
          error: {
            type: "object",
            additionalProperties: false,
            required: ["code", "message"],
            properties: {
              code: { type: "string", enum: Object.keys(API_ERROR_CODES) },
              message: { type: "string", minLength: 1 },
            },
          },
        },
      },
      Organization: {
        type: "object",
        additionalProperties: false,
        required: ["slug", "name", "status", "auth0OrganizationId", "createdAt"],
        properties: {
          slug: { type: "string", pattern: "^[a-z0-9](-?[a-z0-9])*$" },
          name: { type: "string", minLength: 1, maxLength: 100 },
          status: { type: "string", enum: ["active", "suspended", "removing", "removed"] },
          auth0OrganizationId: { type: ["string", "null"], pattern: "^org_[A-Za-z0-9]+$" },
          createdAt: { type: "string", format: "date-time" },
        },
      },
      OrganizationList: {
        type: "object",
        additionalProperties: false,
        required: ["organizations"],
        properties: { organizations: { type: "array", items: { $ref: "#/components/schemas/Organization" } } },
      },
      OrganizationCreate: {
        type: "object",
        additionalProperties: false,
        required: ["slug", "name"],
        properties: {
          slug: { type: "string", description: "1–40 lowercase letters, digits and single hyphens." },
          name: { type: "string", description: "1–100 characters." },
          auth0OrganizationId: {
            type: "string",
            description: "Link an existing Auth0 Organization (org_…).",
          },
        },
      },
      Domain: {
        type: "object",
        additionalProperties: false,
        required: ["domain", "verified", "verifiedAt", "method"],
        properties: {
          domain: { type: "string" },
          verified: { type: "boolean" },
          verifiedAt: { type: ["string", "null"], format: "date-time" },
          method: { type: ["string", "null"], enum: ["dns", "manual", null] },
        },
      },
      ApplyJob: {
        type: "object",
        additionalProperties: false,
        required: ["id", "kind", "status", "version", "requestedBy", "createdAt", "finishedAt", "error"],
        properties: {
          id: { type: "string" },
          kind: { type: "string" },
          status: { type: "string", enum: ["queued", "running", "succeeded", "failed", "dead"] },
          version: { type: "integer" },
          requestedBy: { type: "string" },
          createdAt: { type: "string", format: "date-time" },
          finishedAt: { type: ["string", "null"], format: "date-time" },
          error: { type: ["string", "null"] },
        },
      },
      SsoStatus: {
        type: "object",
        additionalProperties: false,
        required: ["organization", "status", "domains", "lastApply"],
        properties: {
          organization: { type: "string" },
          status: { type: "string", enum: ["active", "suspended", "removing", "removed"] },
          domains: { type: "array", items: { $ref: "#/components/schemas/Domain" } },
          lastApply: { oneOf: [{ $ref: "#/components/schemas/ApplyJob" }, { type: "null" }] },
        },
      },
      LifecycleAnswer: {
        type: "object",
        additionalProperties: false,
        required: ["organization", "applyJobId"],
        properties: {
          organization: { $ref: "#/components/schemas/Organization" },
          applyJobId: { ...nullableString, description: "The apply job taking it to Auth0." },
        },
      },
      Version: {
        type: "object",
        additionalProperties: false,
        required: [
          "version",
          "changeRequestId",
          "source",
          "protocol",
          "summary",
          "author",
          "approvedBy",
          "appliedAt",
          "staged",
          "live",
        ],
        properties: {
          version: { type: "integer", minimum: 1 },
          changeRequestId: { ...nullableString, description: "Null for a version taken from Auth0." },
          source: {
            type: "string",
            enum: ["change-request", "auth0"],
            description:
              "change-request: reviewed in the portal; auth0: Auth0's settings accepted as a new version by support (approvedBy names who).",
          },
          protocol: { type: "string", enum: ["saml", "oidc"] },
          summary: { type: "string" },
          author: { type: "string" },
          approvedBy: nullableString,
          appliedAt: nullableDate,
          staged: {
            type: "boolean",
            description: "The newest applied version: what the staged -test connection holds.",
          },
          live: { type: "boolean", description: "The version on the live connection (after go-live or a roll back)." },
        },
      },
      VersionList: {
        type: "object",
        additionalProperties: false,
        required: ["versions"],
        properties: { versions: { type: "array", items: { $ref: "#/components/schemas/Version" } } },
      },
      ChangeRequest: {
        type: "object",
        required: [
          "id",
          "organization",
          "state",
          "protocol",
          "verdict",
          "summary",
          "risk",
          "policyRule",
          "policyReason",
          "author",
          "reviewer",
          "reason",
          "version",
          "submittedAt",
          "appliedAt",
          "applyError",
        ],
        properties: {
          id: { type: "string" },
          organization: { type: "string" },
          state: {
            type: "string",
            enum: [...CHANGE_STATES],
          },
          protocol: { type: "string", enum: ["saml", "oidc"] },
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
        },
      },
      ChangeRequestList: {
        type: "object",
        additionalProperties: false,
        required: ["changeRequests"],
        properties: {
          changeRequests: {
            type: "array",
            items: { allOf: [{ $ref: "#/components/schemas/ChangeRequest" }], unevaluatedProperties: false },
          },
        },
      },
      Finding: {
        type: "object",
        additionalProperties: false,
        required: ["code", "message", "fix"],
        properties: { code: { type: "string" }, message: { type: "string" }, fix: { type: "string" } },
      },
      ChangeRequestDetail: {
        allOf: [{ $ref: "#/components/schemas/ChangeRequest" }],
        required: ["errors", "warnings"],
        properties: {
          errors: { type: "array", items: { $ref: "#/components/schemas/Finding" } },
          warnings: { type: "array", items: { $ref: "#/components/schemas/Finding" } },
        },
        unevaluatedProperties: false,
      },
      ConfigurationDocument: {
        type: "object",
        additionalProperties: false,
        required: ["idp"],
        description:
          "The identity provider and its side: saml (metadataXml or metadataUrl) for a SAML provider, oidc for an OpenID Connect one. Judged by the same validators as the setup wizard.",
        properties: {
          idp: {
            type: "string",
            enum: [...IDP_IDS],
          },
          saml: {
            oneOf: [
              {
                type: "object",
                additionalProperties: false,
                required: ["metadataXml"],
                properties: { metadataXml: { type: "string", description: "The IdP's SAML metadata document." } },
              },
              {
                type: "object",
                additionalProperties: false,
                required: ["metadataUrl"],
                properties: { metadataUrl: { type: "string", format: "uri" } },
              },
            ],
          },
          oidc: {
            type: "object",
            additionalProperties: false,
            required: ["discoveryUrl", "clientId"],
            properties: {
              discoveryUrl: { type: "string", format: "uri" },
              clientId: { type: "string" },
              clientType: { type: "string", enum: ["back_channel", "front_channel"], default: "back_channel" },
              clientSecret: { type: "string", description: "Sealed at once; never shown again." },
            },
          },
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
      },
    },
  },
} as const;

export type OpenApiDocument = typeof openApiDocument;
