import { getDb, pingDatabase } from "~/services/platform/db.server";
import { logger } from "~/services/platform/logger.server";

/** Readiness: the database answers. 503 with the failing check named, so an operator knows where to look. */
export async function loader() {
  const checks: Record<string, "ok" | "failing"> = {};
  try {
    await pingDatabase(await getDb());
    checks.database = "ok";
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, "readiness: database check failed");
    checks.database = "failing";
  }
  const ready = Object.values(checks).every((c) => c === "ok");
  return Response.json(
    { status: ready ? "ready" : "not ready", checks },
    { status: ready ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
