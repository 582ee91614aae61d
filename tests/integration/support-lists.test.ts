import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLiveConnections, LIVE_PAGE_SIZE } from "~/services/go-live/go-live.server";
import { liveOrganizations } from "~/services/go-live/demo-app.server";
import type { SupportScope } from "~/services/identity/scope.server";
import {
  ORGANIZATION_CHOICES_MAX,
  organizationChoices,
  pageOfOrganizations,
} from "~/services/identity/organizations.server";
import { installDatabase } from "~/services/platform/db.server";
import { createUser, support } from "../support/change-fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/**
 * Support's lists of organizations at scale: every organization (/support) and every live
 * connection (/support/live) come a page at a time, found by name or slug, each page from one
 * query whatever the number of organizations — what a support agent sees must match what the
 * events say, however many disable/enable events follow a go-live.
 */
let database: TestDatabase;
let sam: SupportScope;
const ORGS = 120;

beforeAll(async () => {
  database = await createTestDatabase();
  installDatabase(database);
  const db = database.db;
  sam = support(await createUser(db, "sam@vendor.test", null), "support_agent");
  const orgs = await db
    .insertInto("organizations")
    .values(
      Array.from({ length: ORGS }, (_, i) => ({
        slug: `org-${String(i).padStart(3, "0")}`,
        // Mixed case: "org 007" sorts beside "Org 006", not after every capital.
        name: `${i % 2 ? "org" : "Org"} ${String(i).padStart(3, "0")}${i === 42 ? " 100%_off" : ""}`,
      })),
    )
    .returning(["id", "slug"])
    .execute();
  const bySlug = new Map(orgs.map((o) => [o.slug, o.id]));
  const id = (i: number) => bySlug.get(`org-${String(i).padStart(3, "0")}`)!;
  const events: {
    organization_id: string;
    protocol: "saml" | "oidc";
    action: "go-live" | "roll-back" | "disable" | "enable";
    version: number;
    actor_label: string;
    reason: string | null;
  }[] = [];
  const event = (i: number, action: (typeof events)[number]["action"], version: number, reason: string | null = null) =>
    events.push({
      organization_id: id(i),
      protocol: i % 3 ? "saml" : "oidc",
      action,
      version,
      actor_label: "x",
      reason,
    });
  // Organizations 0–99 have gone live (version 1, then 2); the odd ones rolled back to 1.
  for (let i = 0; i < 100; i++) {
    event(i, "go-live", 1);
    event(i, "go-live", 2);
    if (i % 2) event(i, "roll-back", 1);
  }
  // Organization 5 was disabled, then sixty enables and disables, ending disabled: older than
  // any page of recent events, its go-live must still be read.
  event(5, "disable", 2, "compromised");
  for (let n = 0; n < 60; n++) event(5, n % 2 ? "disable" : "enable", 2, `switch ${n}`);
  // Organization 6 disabled and enabled again.
  event(6, "disable", 2, "checking");
  event(6, "enable", 2, "fine");
  await db.insertInto("live_events").values(events).execute();
});
afterAll(async () => {
  await database?.destroy();
});

describe("/support: every organization, a page at a time", () => {
  it("pages by name (case aside), counts all that match, and finds by name or slug with % and _ taken literally", async () => {
    const first = await pageOfOrganizations(sam, { limit: 50, offset: 0 });
    expect(first.total).toBe(ORGS);
    expect(first.rows).toHaveLength(50);
    expect(first.rows.slice(0, 3).map((o) => o.name)).toEqual(["Org 000", "org 001", "Org 002"]);
    const last = await pageOfOrganizations(sam, { limit: 50, offset: 100 });
    expect(last.rows.map((o) => o.slug)).toEqual(
      Array.from({ length: 20 }, (_, i) => `org-${String(100 + i).padStart(3, "0")}`),
    );
    expect((await pageOfOrganizations(sam, { search: "ORG-11" })).rows.map((o) => o.slug)).toEqual(
      Array.from({ length: 10 }, (_, i) => `org-${110 + i}`),
    );
    const literal = await pageOfOrganizations(sam, { search: "100%_" });
    expect(literal.rows.map((o) => o.slug)).toEqual(["org-042"]);
    expect((await pageOfOrganizations(sam, { search: "1_1" })).total).toBe(0);
  });
});

describe("/support/live: every live connection, a page at a time", () => {
  it("shows what is live now for each organization, from one query per page", async () => {
    const first = await listLiveConnections(sam, { page: 1 });
    expect(first.total).toBe(100);
    expect(first.rows).toHaveLength(LIVE_PAGE_SIZE);
    const all = [...first.rows, ...(await listLiveConnections(sam, { page: 2 })).rows];
    expect(new Set(all.map((r) => r.slug)).size).toBe(100);
    const of = (slug: string) => all.find((r) => r.slug === slug)!.live;
    expect(of("org-002")).toMatchObject({
      version: 2,
      protocol: "saml",
      connectionName: "sso-org-002-saml",
      disabled: null,
    });
    expect(of("org-003")).toMatchObject({ version: 1, protocol: "oidc", connectionName: "sso-org-003-oidc" });
    expect(of("org-005").disabled).toMatchObject({ reason: "switch 59" });
    expect(of("org-005").version).toBe(1);
    expect(of("org-006").disabled).toBeNull();
    expect((await listLiveConnections(sam, { page: 3 })).rows).toEqual([]);
    expect((await listLiveConnections(sam, { search: "org-10" })).total).toBe(0);
    expect((await listLiveConnections(sam, { search: "org-09" })).rows.map((r) => r.slug)).toHaveLength(10);
  });

  it("the demo application lists the live organizations people can sign in to now: not a disabled one", async () => {
    const live = await liveOrganizations();
    expect(live).toHaveLength(99);
    expect(live.map((o) => o.slug)).not.toContain("org-005");
    expect(live.map((o) => o.slug)).toContain("org-006");
  });

  it("a support member without the permission to read organizations is refused", async () => {
    const nobody = { ...sam, role: "customer" } as unknown as SupportScope;
    await expect(listLiveConnections(nobody)).rejects.toThrow();
    await expect(pageOfOrganizations(nobody)).rejects.toThrow();
  });
});

describe("forms that name an organization", () => {
  it("offer a list up to ORGANIZATION_CHOICES_MAX organizations and ask for a slug beyond it", async () => {
    const choices = await organizationChoices(sam);
    expect(choices).toHaveLength(ORGS);
    expect(choices![0]).toEqual({ slug: "org-000", name: "Org 000" });
    await database.db
      .insertInto("organizations")
      .values(
        Array.from({ length: ORGANIZATION_CHOICES_MAX + 1 - ORGS }, (_, i) => ({
          slug: `more-${i}`,
          name: `More ${i}`,
        })),
      )
      .execute();
    expect(await organizationChoices(sam)).toBeNull();
  });
});
