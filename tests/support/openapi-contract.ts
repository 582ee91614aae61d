import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/**
 * Checks API answers against an OpenAPI 3.1 document with ajv: the operation is found by method
 * and path template, the response by status code, and the JSON body must be valid against its
 * schema. An answer the document does not describe (an undocumented status, an unknown path) is
 * a violation too.
 */
interface OpenApiLike {
  paths: Record<string, Record<string, unknown>>;
  components?: { responses?: Record<string, unknown> };
}

const DOC_ID = "https://sso-portal.invalid/openapi.json";

function templateMatches(template: string, path: string): boolean {
  const pattern = template.replace(/\{[A-Za-z]+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`).test(path);
}

export function openApiContract(document: OpenApiLike, basePath: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats' CommonJS default export, as ESM sees it.
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ ...document, $id: DOC_ID });
  const checked: string[] = [];

  function responseSchemaRef(method: string, path: string, status: number): string {
    const rel = path.startsWith(basePath) ? path.slice(basePath.length) : path;
    const template = Object.keys(document.paths).find((t) => templateMatches(t, rel));
    if (!template) throw new Error(`${method} ${path}: no path in the document matches`);
    const operation = document.paths[template]![method.toLowerCase()] as
      { responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }> } | undefined;
    if (!operation) throw new Error(`${method} ${path}: the document has no ${method} for ${template}`);
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${method} ${path}: status ${status} is not documented for ${template}`);
    const pointer = (p: string) => p.replace(/~/g, "~0").replace(/\//g, "~1");
    if (response.$ref) return `${DOC_ID}${response.$ref}/content/application~1json/schema`;
    if (!response.content?.["application/json"]?.schema) return "";
    return `${DOC_ID}#/paths/${pointer(template)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  }

  return {
    /** Throws with ajv's errors when the answer does not match the document. */
    check(method: string, path: string, status: number, body: unknown): void {
      const ref = responseSchemaRef(method, path, status);
      checked.push(`${method} ${path} ${status}`);
      if (!ref) return;
      const validate = ajv.getSchema(ref);
      if (!validate) throw new Error(`${method} ${path} ${status}: cannot resolve ${ref}`);
      if (!validate(body)) {
        throw new Error(
          `${method} ${path} ${status} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
        );
      }
    },
    /** Every answer checked so far (method, path, status). */
    checked,
  };
}
