import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { withPlugin, type DB } from "~/services/platform/db.server";

/*
 * Every statement a database handle sends, as SQL text, whoever sends it (background loops
 * included) — what an operator's `pg_stat_statements` would count. The tests and the benchmarks
 * both use it (benchmarks do not import from tests/). BEGIN and COMMIT are not statements Kysely
 * builds, so they are not in the log.
 */
export interface StatementLog {
  /** The handle to give the code under test: the same database, every statement logged. */
  readonly db: DB;
  /** SQL of every statement sent through `db` since the last `clear()`. */
  readonly sql: string[];
  /** How many of them match. */
  count(pattern: RegExp): number;
  clear(): void;
}

export function statementLog(db: DB): StatementLog {
  const sql: string[] = [];
  let compile: (node: RootOperationNode) => string = () => "";
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs) {
      sql.push(compile(args.node).replace(/\s+/g, " ").trim());
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
  const logged = withPlugin(db, plugin);
  compile = (node) => logged.getExecutor().compileQuery(node, { queryId: "statement-log" }).sql;
  return {
    db: logged,
    sql,
    count: (pattern) => sql.filter((s) => pattern.test(s)).length,
    clear: () => void sql.splice(0),
  };
}
