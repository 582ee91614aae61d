// node-postgres's own parameter preparation (pg/lib/utils.js), which @types/pg does not declare.
declare module "pg/lib/utils.js" {
  /** A parameter as node-postgres sends it: null, a Buffer (bytea) or text. */
  export function prepareValue(value: unknown): unknown;
}
