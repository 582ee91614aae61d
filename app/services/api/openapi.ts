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
        required: ["slug", "name", "auth0OrganizationId", "createdAt"],
        properties: {
          slug: { type: "string", pattern: "^[a-z0-9](-?[a-z0-9])*$" },
          name: { type: "string", minLength: 1, maxLength: 100 },
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
        required: ["organization", "domains", "lastApply"],
        properties: {
          organization: { type: "string" },
          domains: { type: "array", items: { $ref: "#/components/schemas/Domain" } },
          lastApply: { oneOf: [{ $ref: "#/components/schemas/ApplyJob" }, { type: "null" }] },
        },
      },
    },
  },
} as const;

export type OpenApiDocument = typeof openApiDocument;
