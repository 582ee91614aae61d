import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { manualClock } from "~/services/monitoring/clock";
import {
  createScheduler,
  nextSlot,
  SchedulerCrash,
  type ScheduledJob,
  type SchedulerOptions,
} from "~/services/monitoring/scheduler.server";
import type { OpenDatabase } from "~/services/platform/db.server";
import { createTestDatabase, openSecondPool, type TestDatabase, raceTest } from "../support/test-database";

let database: TestDatabase;
let second: OpenDatabase | null;

beforeAll(async () => {
  database = await createTestDatabase();
  second = await openSecondPool(database);
});
afterAll(async () => {
  await second?.close();
  await database?.destroy();
});
beforeEach(async () => {
  await database.db.deleteFrom("scheduled_jobs").execute();
});

const HOUR = 3600_000;
const START = "2026-12-06T08:00:00.000Z";

function runner(clock: SchedulerOptions["clock"], job: ScheduledJob, overrides: Partial<SchedulerOptions> = {}) {
  return createScheduler({
    db: database.db,
    jobs: [job],
    clock,
    periods: { "session-sweep": 3600 },
    leaseMs: 10 * 60_000,
    ...overrides,
  });
}

async function row() {
  return database.db
    .selectFrom("scheduled_jobs")
    .selectAll()
    .where("name", "=", "session-sweep")
    .executeTakeFirstOrThrow();
}

describe(`scheduler (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  raceTest("two runners on two connections looking at once run the job once per period", async () => {
    const clock = manualClock(START);
    const runs: string[] = [];
    const job = (who: string): ScheduledJob => ({
      name: "session-sweep",
      run: async () => {
        runs.push(who);
        // Long enough that the other runner looks while this one holds the job.
        await new Promise((r) => setTimeout(r, 50));
        return `run by ${who}`;
      },
    });
    const a = runner(clock, job("a"), { runnerId: "a" });
    const b = runner(clock, job("b"), { runnerId: "b", db: second?.db ?? database.db });
    await Promise.all([a.register(), b.register()]);

    await Promise.all([a.runDue(), b.runDue(), a.runDue(), b.runDue()]);
    expect(runs).toHaveLength(1);
    let r = await row();
    expect(r.runs).toBe(1);
    expect(r.last_outcome).toBe("succeeded");
    expect(r.last_summary).toBe(`run by ${runs[0]}`);
    expect(new Date(r.next_run_at).toISOString()).toBe("2026-12-06T09:00:00.000Z");
    expect(r.locked_by).toBeNull();

    // 59 minutes later: not due yet.
    clock.advance(59 * 60_000);
    await Promise.all([a.runDue(), b.runDue()]);
    expect(runs).toHaveLength(1);

    // The next period: once again, whoever looks.
    clock.advance(60_000);
    await Promise.all([b.runDue(), a.runDue(), b.runDue()]);
    expect(runs).toHaveLength(2);
    r = await row();
    expect(r.runs).toBe(2);
    expect(new Date(r.next_run_at).toISOString()).toBe("2026-12-06T10:00:00.000Z");
  });

  it("a runner that dies mid-run holds the job until its lease runs out; then another runner runs it", async () => {
    const clock = manualClock(START);
    let crashNext = true;
    const runs: string[] = [];
    const job = (who: string): ScheduledJob => ({
      name: "session-sweep",
      run: async () => {
        runs.push(who);
        if (who === "a" && crashNext) {
          crashNext = false;
          throw new SchedulerCrash("the process died");
        }
        return "done";
      },
    });
    const a = runner(clock, job("a"), { runnerId: "a" });
    const b = runner(clock, job("b"), { runnerId: "b", db: second?.db ?? database.db });
    await a.register();
    await a.runDue();
    expect(a.crashed).toBe(true);
    let r = await row();
    expect(r.locked_by).toBe("a");
    expect(r.runs).toBe(0);

    // Within the lease nobody else runs it.
    clock.advance(9 * 60_000);
    expect(await b.runDue()).toEqual([]);
    expect(runs).toEqual(["a"]);

    // After the lease: taken over, run, and the schedule continues from the original slot.
    clock.advance(60_000);
    expect(await b.runDue()).toEqual(["session-sweep"]);
    expect(runs).toEqual(["a", "b"]);
    r = await row();
    expect(r.locked_by).toBeNull();
    expect(r.runs).toBe(1);
    expect(new Date(r.next_run_at).toISOString()).toBe("2026-12-06T09:00:00.000Z");
    // The dead runner does nothing more.
    expect(await a.runDue()).toEqual([]);
  });

  it("when the clock jumps three periods the job runs once, on the schedule's next slot after now", async () => {
    const clock = manualClock(START);
    let runs = 0;
    const a = runner(clock, {
      name: "session-sweep",
      run: async () => {
        runs++;
      },
    });
    await a.register();
    await a.runDue();
    clock.advance(3 * HOUR + 20 * 60_000); // 11:20
    expect(await a.runDue()).toEqual(["session-sweep"]);
    expect(await a.runDue()).toEqual([]);
    expect(runs).toBe(2);
    expect(new Date((await row()).next_run_at).toISOString()).toBe("2026-12-06T12:00:00.000Z");

    // And a clock set back (NTP step) does not run it again early.
    clock.set("2026-12-06T10:00:00.000Z");
    expect(await a.runDue()).toEqual([]);
  });

  it("a failed run is recorded with its error and counted, and the job is due again next period", async () => {
    const clock = manualClock(START);
    const a = runner(clock, {
      name: "session-sweep",
      run: async () => {
        throw new Error("the mail server refused the connection");
      },
    });
    await a.register();
    await a.runDue();
    const r = await row();
    expect(r).toMatchObject({
      last_outcome: "failed",
      last_error: "the mail server refused the connection",
      runs: 1,
      failures: 1,
      locked_by: null,
    });
    expect(new Date(r.next_run_at).toISOString()).toBe("2026-12-06T09:00:00.000Z");
  });

  it("a period changed in the configuration applies from the last run", async () => {
    const clock = manualClock(START);
    const job: ScheduledJob = { name: "session-sweep", run: async () => undefined };
    await runner(clock, job).register();
    await runner(clock, job).runDue();
    expect(new Date((await row()).next_run_at).toISOString()).toBe("2026-12-06T09:00:00.000Z");
    await runner(clock, job, { periods: { "session-sweep": 900 } }).register();
    const r = await row();
    expect(r.period_seconds).toBe(900);
    expect(new Date(r.next_run_at).toISOString()).toBe("2026-12-06T08:15:00.000Z");
  });

  it("the loop runs a due job on start and again when woken after Run now", async () => {
    const clock = manualClock(START);
    const a = runner(clock, { name: "session-sweep", run: async () => "swept" }, { pollMs: 60_000 });
    const runsRecorded = async (n: number) => {
      while ((await database.db.selectFrom("scheduled_jobs").select("runs").executeTakeFirst())?.runs !== n) {
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    a.start();
    await runsRecorded(1);
    // What "Run now" does to the row; the poll is a minute away, so only the wake-up can run it.
    await database.db.updateTable("scheduled_jobs").set({ next_run_at: clock.now() }).execute();
    a.wake();
    await runsRecorded(2);
    await a.stop();
  });
});

describe("nextSlot", () => {
  it("keeps the schedule's phase and skips missed periods", () => {
    const due = new Date("2026-12-06T08:00:00Z");
    expect(nextSlot(due, 3600, new Date("2026-12-06T08:00:05Z")).toISOString()).toBe("2026-12-06T09:00:00.000Z");
    expect(nextSlot(due, 3600, new Date("2026-12-06T09:00:00Z")).toISOString()).toBe("2026-12-06T10:00:00.000Z");
    expect(nextSlot(due, 3600, new Date("2026-12-06T07:00:00Z")).toISOString()).toBe("2026-12-06T09:00:00.000Z");
  });
});
