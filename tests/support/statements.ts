import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { currentRequest } from "~/services/platform/request-context.server";
import { call } from "./auth";

/**
 * Every statement the portal sends, by the request that sent it (background workers send theirs
 * outside any request, so they are not counted). Give the portal `withPlugin(db, statements)` (db.server.ts: on PGlite it stays the one session).
 */
export class StatementsByRequest implements KyselyPlugin {
  readonly sent = new Map<string, RootOperationNode[]>();
  transformQuery(args: PluginTransformQueryArgs) {
    const id = currentRequest()?.requestId;
    if (id) this.sent.set(id, [...(this.sent.get(id) ?? []), args.node]);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** A page as the cookie's holder sees it, and the statements its request sent (by its own x-request-id). */
export async function viewCounting(
  statements: StatementsByRequest,
  portalUrl: string,
  path: string,
  cookie: string | undefined,
): Promise<{ status: number; text: string; statements: RootOperationNode[] }> {
  const requestId = `counted-${Math.random().toString(36).slice(2)}`;
  const res = await call(portalUrl, path, { cookie, headers: { "x-request-id": requestId } });
  return { status: res.status, text: res.text, statements: statements.sent.get(requestId) ?? [] };
}
