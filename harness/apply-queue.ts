import type { Kysely } from "kysely";
import type { Database } from "~/services/platform/db/schema";

/*
 * The apply queue as the tests and the benchmarks both watch it (benchmarks do not import from
 * tests/).
 */

/** Waits until no apply job is queued or running, looking every `pollMs`; fails after `timeoutMs`. */
export async function drained(db: Kysely<Database>, timeoutMs = 30_000, pollMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await db
      .selectFrom("apply_jobs")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("status", "in", ["queued", "running"])
      .executeTakeFirstOrThrow();
    if (Number(open.n) === 0) return;
    if (Date.now() > until) throw new Error(`${open.n} apply jobs still open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
