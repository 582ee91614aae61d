/**
 * Cuts Auth0's Management API OpenAPI document down to the operations the local tenant serves,
 * keeping every component schema they reach, so the contract tests validate against Auth0's own
 * schemas without vendoring the whole 3.7 MB file.
 *
 *   tsx scripts/extract-management-oas.ts <management-api-oas.json> local-tenant/management/oas/management-api-subset.json
 */
import { readFileSync, writeFileSync } from "node:fs";

const SERVED: Record<string, string[]> = {
  "/connections": ["get", "post"],
  "/connections/{id}": ["get", "patch", "delete"],
  "/connections/{id}/clients": ["get", "patch"],
  "/clients": ["get"],
  "/clients/{id}": ["get", "patch"],
  "/organizations": ["get", "post"],
  "/organizations/{id}": ["get"],
  "/organizations/{id}/enabled_connections": ["get", "post"],
  "/organizations/{id}/enabled_connections/{connectionId}": ["get", "patch", "delete"],
};

const [src, dest] = process.argv.slice(2);
if (!src || !dest) throw new Error("usage: extract-management-oas.ts <oas.json> <out.json>");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const oas = JSON.parse(readFileSync(src, "utf8")) as any;
const paths: Record<string, Record<string, unknown>> = {};
for (const [path, methods] of Object.entries(SERVED)) {
  paths[path] = {};
  for (const m of methods) {
    const op = oas.paths[path][m];
    // Code samples are most of the bulk and say nothing about the contract.
    const { "x-codeSamples": _samples, ...rest } = op;
    paths[path]![m] = rest;
  }
}
const schemas: Record<string, unknown> = {};
const pending = [JSON.stringify(paths)];
while (pending.length) {
  for (const [, name] of pending.pop()!.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
    if (name && !(name in schemas)) {
      schemas[name] = oas.components.schemas[name];
      pending.push(JSON.stringify(schemas[name]));
    }
  }
}
const out = {
  openapi: oas.openapi,
  info: {
    ...oas.info,
    description:
      "Subset of Auth0's Management API OAS (auth0/docs-v2, MIT) for the operations the local tenant serves.",
  },
  paths,
  components: { schemas },
};
writeFileSync(dest, JSON.stringify(out));
console.log(`${Object.keys(schemas).length} schemas → ${dest}`);
