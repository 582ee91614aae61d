import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainBudget, tryTakeBudget } from "~/services/apply/budget.server";
import type { OpenDatabase } from "~/services/db.server";
import { createTestDatabase, openSecondPool, type TestDatabase } from "../support/test-database.js";

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

describe(`shared rate budget (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("two connections taking at once never get more than the burst plus the refill", async () => {
    const budget = { burst: 5, perSecond: 10, utilization: 1 };
    const dbs = [database.db, second?.db ?? database.db];
    const started = Date.now();
    const waits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => tryTakeBudget(dbs[i % 2]!, "tenant-a", budget)),
    );
    const elapsed = (Date.now() - started) / 1000;
    const granted = waits.filter((w) => w === 0).length;
    expect(granted).toBeGreaterThanOrEqual(5);
    expect(granted).toBeLessThanOrEqual(5 + Math.ceil(elapsed * 10));
    // Those refused are told how long until a token is back (~1/10 s), never 0.
    for (const w of waits.filter((w) => w > 0)) expect(w).toBeLessThanOrEqual(150);
  });

  it("refills at the configured rate and keeps tenants apart", async () => {
    const budget = { burst: 2, perSecond: 20, utilization: 1 };
    expect(await tryTakeBudget(database.db, "tenant-b", budget, 2)).toBe(0);
    expect(await tryTakeBudget(database.db, "tenant-b", budget)).toBeGreaterThan(0);
    expect(await tryTakeBudget(database.db, "tenant-c", budget)).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(await tryTakeBudget(database.db, "tenant-b", budget)).toBe(0);
  });

  it("after a 429 nobody takes a token before the tenant's reset", async () => {
    const budget = { burst: 10, perSecond: 100, utilization: 1 };
    expect(await tryTakeBudget(database.db, "tenant-d", budget)).toBe(0);
    await drainBudget(database.db, "tenant-d", Date.now() + 400);
    const wait = await tryTakeBudget(second?.db ?? database.db, "tenant-d", budget);
    expect(wait).toBeGreaterThan(300);
    expect(wait).toBeLessThan(500);
  });
});
