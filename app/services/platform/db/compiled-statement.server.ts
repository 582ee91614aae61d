import { createQueryId, type CompiledQuery, type Kysely, type RootOperationNode } from "kysely";
import { randomBytes } from "node:crypto";
import type { Executor } from "../db.server";
import type { Database } from "./schema";

/**
 * A statement built and compiled once per database, then run with new parameters on each call.
 *
 * Building a statement with Kysely (its immutable nodes are copied and frozen at every step) and
 * compiling it to SQL costs the portal CPU on every request, the same work each time for
 * statements whose shape never changes (the signed-in viewer's session, a page's one read). Here
 * the builder runs once with a unique placeholder for each named parameter; where each placeholder
 * lands in the compiled statement's parameters is recorded, and each call copies the parameters
 * with its own values in those places. The compiled statement still runs through the caller's
 * Kysely instance: its plugins see the statement's node (and may change it: then it is compiled
 * again), its connection or transaction runs it, its log records it.
 *
 * Parameters may only be passed through to the statement as values (`.where(col, "=", p.id)`,
 * `sql\`… ${p.id} …\``): a placeholder that is folded into the SQL text, changed (`%${p.q}%`),
 * or that disappears is refused when the statement is first compiled. Nor may the shape depend on
 * a parameter (`p.n > 0 ? … : …` sees the placeholder, not the value): a statement whose shape
 * varies is one compiled statement per shape, chosen by the caller. Lists (`in (…)`) change the
 * shape with their length and cannot be parameters.
 */

/** What a builder returns: a Kysely query or `sql` template with its row type. */
interface Buildable<R> {
  toOperationNode(): RootOperationNode;
  compile(...args: never[]): CompiledQuery<R>;
}

type RowOf<B> = B extends { compile(...args: never[]): CompiledQuery<infer R> } ? R : never;

interface Template {
  node: RootOperationNode;
  sql: string;
  parameters: readonly unknown[];
  /** The parameter index each named value goes to (a name may go to several). */
  slots: { index: number; name: string }[];
}

/** The placeholders one build used: `prefix` + name, for the names the builder read. */
interface Placeholders {
  prefix: string;
  names: ReadonlySet<string>;
}

export type CompiledStatement<P, R> = (db: Executor, params: P) => Promise<R[]>;

/**
 * `build` once per database (on its first call there), then only its parameters on each call.
 * `name` identifies the statement in the error thrown when its placeholders do not survive compilation.
 */
export function compiledStatement<P extends object, B extends Buildable<unknown>>(
  name: string,
  build: (db: Kysely<Database>, params: P) => B,
): CompiledStatement<P, RowOf<B>> {
  // Keyed by the database's adapter: one per Kysely instance and every instance derived from it
  // (withPlugin, transactions), created with the same dialect's compiler.
  const templates = new WeakMap<object, Template & { placeholders: Placeholders }>();
  return async (db, params) => {
    const executor = db.getExecutor();
    let template = templates.get(executor.adapter);
    if (!template) {
      template = compileTemplate(name, db, build);
      templates.set(executor.adapter, template);
    }
    const queryId = createQueryId();
    const node = executor.transformQuery(template.node, queryId);
    // A plugin that changed the statement gets it compiled afresh, with the same placeholders bound.
    const compiled =
      node === template.node
        ? template
        : bindTemplate(name, node, executor.compileQuery(node, queryId), template.placeholders);
    const parameters = compiled.parameters.slice();
    for (const { index, name: param } of compiled.slots) parameters[index] = (params as Record<string, unknown>)[param];
    const result = await db.executeQuery<RowOf<B>>({ query: node, queryId, sql: compiled.sql, parameters });
    return result.rows;
  };
}

function compileTemplate<P extends object>(
  name: string,
  db: Executor,
  build: (db: Kysely<Database>, params: P) => Buildable<unknown>,
): Template & { placeholders: Placeholders } {
  // Unique per compilation, so no value a statement holds can be mistaken for a placeholder.
  const prefix = `\u0001param-${randomBytes(8).toString("hex")}:`;
  const names = new Set<string>();
  const params = new Proxy({} as P, {
    get(_, key) {
      if (typeof key !== "string") return undefined;
      names.add(key);
      return `${prefix}${key}`;
    },
  });
  // Built without the caller's plugins: they see the statement on each call, not when it is built.
  const node = build(db.withoutPlugins() as Kysely<Database>, params).toOperationNode();
  const placeholders = { prefix, names };
  const template = bindTemplate(name, node, db.getExecutor().compileQuery(node, createQueryId()), placeholders);
  for (const param of names) {
    if (!template.slots.some((s) => s.name === param)) {
      throw new Error(`Compiled statement ${name}: parameter "${param}" is not among the statement's values`);
    }
  }
  return { ...template, placeholders };
}

/** Where each placeholder landed in `compiled`; refuses a placeholder that is not a value of its own. */
function bindTemplate(
  name: string,
  node: RootOperationNode,
  compiled: CompiledQuery,
  placeholders: Placeholders,
): Template {
  const { prefix, names } = placeholders;
  if (compiled.sql.includes(prefix)) {
    throw new Error(`Compiled statement ${name}: a parameter was written into the SQL text instead of sent as a value`);
  }
  const slots: Template["slots"] = [];
  compiled.parameters.forEach((value, index) => {
    if (typeof value !== "string" || !value.includes(prefix)) return;
    const param = value.slice(prefix.length);
    if (!value.startsWith(prefix) || !names.has(param)) {
      throw new Error(`Compiled statement ${name}: a parameter was changed before it became a value ($${index + 1})`);
    }
    slots.push({ index, name: param });
  });
  return { node, sql: compiled.sql, parameters: compiled.parameters, slots };
}

/**
 * A statement whose parts depend on the call (a sort, which filters apply): one compiled statement
 * per shape, each compiled on its first use. `shape` is a small object of plain values (its JSON is
 * the key); `build` may branch on it, never on `params`.
 */
export function compiledStatementsByShape<S extends object, P extends object, B extends Buildable<unknown>>(
  name: string,
  build: (db: Kysely<Database>, params: P, shape: S) => B,
): (shape: S) => CompiledStatement<P, RowOf<B>> {
  const byShape = new Map<string, CompiledStatement<P, RowOf<B>>>();
  return (shape) => {
    const key = JSON.stringify(shape);
    let statement = byShape.get(key);
    if (!statement) {
      statement = compiledStatement(`${name} ${key}`, (db, params: P) => build(db, params, shape));
      byShape.set(key, statement);
    }
    return statement;
  };
}
