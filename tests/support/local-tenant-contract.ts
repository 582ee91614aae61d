import { readFileSync } from "node:fs";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { ManagementClient, ManagementError } from "auth0";
import { addMachineClient } from "../../local-tenant/management/clients.js";
import { startLocalTenant, type LocalTenant, type LocalTenantOptions } from "../../local-tenant/server.js";
import { fetchManagementToken } from "../../local-tenant/management-token";

/**
 * Contract harness for the local tenant: every Management API exchange made through `fetch` is
 * recorded and can be checked against Auth0's own OpenAPI schemas (the subset the tenant serves,
 * cut mechanically from Auth0's document by scripts/extract-management-oas.ts).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const oas: Json = JSON.parse(
  readFileSync(new URL("../../local-tenant/management/oas/management-api-subset.json", import.meta.url), "utf8"),
);

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats.default(ajv);
// Auth0's private formats: the OAS names them without defining them. Only the few whose meaning
// is clear are checked; the rest are accepted as strings.
const AUTH0_FORMATS: Record<string, RegExp | true> = {
  "organization-id": /^org_[A-Za-z0-9]+$/,
  "connection-id": /^con_[A-Za-z0-9]+$/,
  "organization-name": /^[a-z0-9][a-z0-9_-]*$/,
  "html-color": /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/,
};
for (const f of new Set([...JSON.stringify(oas).matchAll(/"format":"([^"]+)"/g)].map((m) => m[1]!))) {
  if (!ajv.formats[f]) ajv.addFormat(f, AUTH0_FORMATS[f] ?? true);
}
ajv.addSchema(
  JSON.parse(JSON.stringify({ $id: "oas", components: oas.components }).replaceAll('"oneOf":', '"anyOf":')),
  "oas",
);

const validators = new Map<string, ValidateFunction>();
function validatorFor(schema: Json): ValidateFunction {
  // Schemas point into "#/components/schemas"; rebase them onto the registered document.
  // Auth0's list responses are `oneOf` overlapping shapes (a last checkpoint page `{connections}`
  // is also a valid offset page without totals), so no conforming body can match exactly one:
  // read them as `anyOf`.
  const text = JSON.stringify(schema)
    .replaceAll('"#/components/', '"oas#/components/')
    .replaceAll('"oneOf":', '"anyOf":');
  let v = validators.get(text);
  if (!v) {
    v = ajv.compile(JSON.parse(text));
    validators.set(text, v);
  }
  return v;
}

export interface Exchange {
  method: string;
  /** Path below /api/v2, e.g. /connections/con_x. */
  path: string;
  query: string;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
  headers: Headers;
}

interface Operation {
  template: string;
  op: Json;
}

/**
 * Statuses Auth0 sends that its OAS leaves out: 413 (the documented 1 MB cap, any operation) and
 * 409 on adding an already-enabled organization connection (node-auth0 7.1.0 maps it to
 * ConflictError for exactly that operation).
 */
const UNDECLARED_STATUSES: Record<string, number[]> = {
  "POST /organizations/{id}/enabled_connections": [409],
};

function findOperation(method: string, path: string): Operation | undefined {
  for (const [template, ops] of Object.entries<Json>(oas.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(path) && ops[method.toLowerCase()]) return { template, op: ops[method.toLowerCase()] };
  }
  return undefined;
}

/** Query parameters of an accepted request against the operation's declared parameters. */
function queryViolations(where: string, op: Json, query: string): string[] {
  const declared = new Map<string, Json>(
    (op.parameters ?? []).filter((p: Json) => p.in === "query").map((p: Json) => [p.name, p.schema]),
  );
  const problems: string[] = [];
  const params = new URLSearchParams(query);
  for (const name of new Set(params.keys())) {
    const schema = declared.get(name);
    if (!schema) {
      problems.push(`${where}: query parameter ${name} is not declared`);
      continue;
    }
    const raw = params.getAll(name);
    const coerce = (t: string, v: string): unknown =>
      t === "integer" || t === "number"
        ? Number(v)
        : t === "boolean"
          ? v === "true"
            ? true
            : v === "false"
              ? false
              : v
          : v;
    const value =
      schema.type === "array" ? raw.map((v) => coerce(schema.items?.type, v)) : coerce(schema.type, raw[0]!);
    const v = validatorFor(schema);
    if (!v(value))
      problems.push(
        `${where}: query parameter ${name}=${raw.join(",")} violates its schema: ${ajv.errorsText(v.errors)}`,
      );
  }
  return problems;
}

/** Problems with one exchange against the OAS; empty when it conforms. */
export function contractViolations(ex: Exchange): string[] {
  const found = findOperation(ex.method, ex.path);
  if (!found) return [`${ex.method} ${ex.path}: no such operation in the OAS`];
  const where = `${ex.method} ${found.template} → ${ex.status}`;
  const problems: string[] = [];
  const declared = found.op.responses[String(ex.status)];
  const tolerated = UNDECLARED_STATUSES[`${ex.method} ${found.template}`]?.includes(ex.status) || ex.status === 413;
  if (!declared && !tolerated) problems.push(`${where}: status not declared by the OAS`);
  if (ex.status < 300) {
    const reqSchema = found.op.requestBody?.content?.["application/json"]?.schema;
    if (reqSchema && ex.requestBody !== undefined) {
      const v = validatorFor(reqSchema);
      if (!v(ex.requestBody))
        problems.push(`${where}: accepted request body violates its schema: ${ajv.errorsText(v.errors)}`);
    }
    problems.push(...queryViolations(where, found.op, ex.query));
    const resSchema = declared?.content?.["application/json"]?.schema;
    if (resSchema) {
      const v = validatorFor(resSchema);
      if (!v(ex.responseBody))
        problems.push(`${where}: response body violates its schema: ${ajv.errorsText(v.errors)}`);
    } else if (ex.responseBody !== undefined) {
      problems.push(`${where}: the OAS declares no body but one was sent`);
    }
  } else {
    const b = ex.responseBody as Json;
    if (!b || b.statusCode !== ex.status || typeof b.error !== "string" || typeof b.message !== "string") {
      problems.push(`${where}: error body is not Auth0-shaped: ${JSON.stringify(b)}`);
    }
  }
  for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) {
    if (!/^\d+$/.test(ex.headers.get(h) ?? "")) problems.push(`${where}: missing or malformed ${h}`);
  }
  return problems;
}

export interface Harness {
  tenant: LocalTenant;
  exchanges: Exchange[];
  /** A fetch that records /api/v2 exchanges and rewrites `https://<domain>` to the local URL. */
  fetch: typeof fetch;
  /** Sub-client options: `new ConnectionsClient(h.clientOptions(token))`. */
  clientOptions(
    token: string,
    extra?: { maxRetries?: number },
  ): { baseUrl: string; token: string; fetch: typeof fetch; maxRetries?: number };
  management(
    credentials?: { clientId: string; clientSecret: string },
    extra?: { maxRetries?: number },
  ): ManagementClient;
  token(credentials?: { clientId: string; clientSecret: string }): Promise<string>;
  machineClient(scopes: string[]): { clientId: string; clientSecret: string };
  violations(): string[];
  close(): Promise<void>;
}

export async function startHarness(options: LocalTenantOptions = {}): Promise<Harness> {
  const tenant = await startLocalTenant({ port: 0, ...options });
  const exchanges: Exchange[] = [];
  const httpsOrigin = `https://${tenant.domain}`;

  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(
      String(input instanceof Request ? input.url : input).replace(httpsOrigin, tenant.url),
      init,
    );
    const url = new URL(request.url);
    const requestText = request.body ? await request.clone().text() : "";
    const response = await fetch(request);
    if (url.pathname.startsWith("/api/v2/")) {
      const text = await response.clone().text();
      const parse = (t: string): unknown => {
        if (!t) return undefined;
        try {
          return JSON.parse(t);
        } catch {
          return t;
        }
      };
      exchanges.push({
        method: request.method,
        path: url.pathname.slice("/api/v2".length),
        query: url.search,
        requestBody: parse(requestText),
        status: response.status,
        responseBody: parse(text),
        headers: response.headers,
      });
    }
    return response;
  };

  const token = (credentials = tenant.mgmtClient): Promise<string> =>
    fetchManagementToken({ tenantUrl: tenant.url, ...credentials, audience: tenant.context.audience });

  return {
    tenant,
    exchanges,
    fetch: recordingFetch,
    clientOptions: (t, extra = {}) => ({ baseUrl: tenant.managementApiUrl, token: t, fetch: recordingFetch, ...extra }),
    management: (credentials = tenant.mgmtClient, extra = {}) =>
      new ManagementClient({
        domain: tenant.domain,
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        fetch: recordingFetch,
        ...extra,
      }),
    token,
    machineClient: (scopes) => addMachineClient(tenant.context, { name: `test client ${scopes.join(" ")}`, scopes }),
    violations: () => exchanges.flatMap(contractViolations),
    close: () => tenant.close(),
  };
}

/** The SDK's error from a call that must fail, for asserting what a caller sees. */
export async function managementFailure(promise: Promise<unknown>): Promise<ManagementError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ManagementError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** Auth0's error body as the SDK hands it over (`err.body`): the status, its reason phrase, the message and the code. */
export function auth0ErrorBody(statusCode: number, error: string, message: string, errorCode: string) {
  return { statusCode, error, message, errorCode };
}
