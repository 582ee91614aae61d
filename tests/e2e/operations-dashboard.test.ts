import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "../support/browser";
import { hydrated, portalInBrowser } from "../support/e2e";

/**
 * What the monitoring jobs found, as support and a customer see it: the health dashboard puts the
 * organization with an expired certificate and a drift first (axe-clean), the organization's support
 * page shows the drift field by field with both resolutions for a lead and its history, and the
 * customer's SSO page says the live certificate expired. The jobs' own findings are tested in
 * tests/integration (monitoring-jobs, metadata-monitoring); here their rows are written as a run
 * would leave them, with an IdP value that tries to be HTML.
 */

const e2e = portalInBrowser();
const DAY = 86_400_000;

beforeAll(async () => {
  const db = e2e.portal.database.db;
  const orgs = await db.selectFrom("organizations").select(["id", "slug"]).execute();
  const id = (slug: string) => orgs.find((o) => o.slug === slug)!.id;
  const now = Date.now();
  await db
    .insertInto("organization_health")
    .values([
      {
        organization_id: id("acme"),
        cert_not_after: new Date(now - 2 * DAY),
        cert_fingerprint: "AB:CD",
        cert_version: 3,
        cert_checked_at: new Date(now - 3600_000),
        drift_status: "drifted",
        drift_fields: JSON.stringify([
          {
            connection: "sso-acme-saml",
            field: "options.signInEndpoint",
            ours: "https://idp.acme.test/sso",
            auth0: "https://evil.example/<script>alert(1)</script>",
          },
          { connection: "sso-acme-saml", field: "display_name", ours: "Acme", auth0: "Edited in Auth0" },
        ]),
        drift_version: 3,
        drift_checked_at: new Date(now - 600_000),
        metadata_url: "https://idp.acme.test/metadata",
        metadata_status: "unreachable",
        metadata_error: "The server answered HTTP 503.",
        metadata_checked_at: new Date(now - 1200_000),
      },
      {
        organization_id: id("globex"),
        cert_not_after: new Date(now + 20 * DAY),
        drift_status: "in_sync",
        drift_checked_at: new Date(now - 600_000),
      },
    ])
    .execute();
});

describe("operations pages", () => {
  it("support sees every organization's health, the one needing attention first, and its drift on its own page", async () => {
    const { page, problems } = await e2e.signedInPage("/support/health", "lena@vendor.test");
    await hydrated(page);
    const rows = page.locator("section[aria-labelledby=health-title] tbody tr");
    await rows.first().waitFor();
    expect(await rows.first().locator("td").first().textContent()).toContain("Acme");
    expect(await rows.first().textContent()).toMatch(/Expired/);
    expect(await rows.first().textContent()).toContain("Drifted");
    expect(await rows.first().textContent()).toContain("unreachable");
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: "test-results/support-health.png", fullPage: true });

    // Sorted by name the list is alphabetical: Acme still first, Globex after it.
    await page.getByLabel("Sort by").selectOption("name");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/sort=name/);
    expect(await rows.first().locator("td").first().textContent()).toContain("Acme");

    await page.goto(`${e2e.portal.url}/support/orgs/acme`);
    const health = page.locator("section#drift");
    await health.getByRole("heading", { name: "Health" }).waitFor();
    expect(await health.textContent()).toContain("Changed in Auth0");
    expect(await health.textContent()).toContain("The server answered HTTP 503.");
    const table = health.getByRole("table", { name: "What differs between the portal and Auth0" });
    expect(await table.locator("tbody tr").count()).toBe(2);
    // The IdP's string is text, never markup.
    expect(await table.textContent()).toContain("<script>alert(1)</script>");
    expect(await page.locator("section#drift script").count()).toBe(0);
    await health.getByRole("button", { name: "Re-apply our version" }).waitFor();
    await health.getByRole("button", { name: "Accept Auth0's version as a new version" }).waitFor();
    await page.getByRole("heading", { name: "History" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: "test-results/support-org-health.png", fullPage: true });
    expect(problems).toEqual([]);
  });

  it("a support lead retries failed e-mail from the scheduled jobs page, and the message goes out", async () => {
    const db = e2e.portal.database.db;
    // The job's own runs (at start, then every minute) must not take the message first: once its first run has
    // finished, its next one is an hour away, so only "Run now" sends it.
    await expect
      .poll(async () => {
        const job = await db
          .selectFrom("scheduled_jobs")
          .select(["last_finished_at", "locked_until"])
          .where("name", "=", "email-retries")
          .executeTakeFirst();
        return job?.last_finished_at != null && job.locked_until === null;
      })
      .toBe(true);
    await db
      .updateTable("scheduled_jobs")
      .set({ next_run_at: new Date(Date.now() + 3600_000) })
      .where("name", "=", "email-retries")
      .execute();
    // A message whose first delivery failed a while ago and is due for its next attempt.
    const { id } = await db
      .insertInto("outbox_messages")
      .values({
        dedupe_key: "e2e:retry:alice@acme.test",
        to_address: "alice@acme.test",
        kind: "change.approved",
        subject: "Approved: your single sign-on change",
        text_body: "Approved.",
        html_body: "<p>Approved.</p>",
        link: `${e2e.portal.url}/orgs/acme/sso`,
        attempts: 1,
        last_error: "451 try again later",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const { page, problems } = await e2e.signedInPage("/support/jobs", "lena@vendor.test");
    await hydrated(page);
    const row = page.getByRole("row").filter({ hasText: "E-mail retries" });
    expect(await row.textContent()).toContain("1 min");
    await row.getByRole("button", { name: /^Run now ?: E-mail retries$/ }).click();
    await page.getByText("E-mail retries: the run starts in a moment.").waitFor();
    await expect
      .poll(
        async () =>
          (await db.selectFrom("outbox_messages").select("status").where("id", "=", id).executeTakeFirst())?.status,
      )
      .toBe("sent");
    await page.reload();
    await hydrated(page);
    await expect.poll(async () => row.textContent()).toMatch(/Succeeded.*1 sent, 0 to try again, 0 given up/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: "test-results/support-jobs.png", fullPage: true });
    expect(problems).toEqual([]);
  });

  it("a support agent sees the drift but not the buttons", async () => {
    const { page, problems } = await e2e.signedInPage("/support/orgs/acme", "sam@vendor.test");
    await hydrated(page);
    const health = page.locator("section#drift");
    await health.getByText("A support lead can re-apply").waitFor();
    expect(await health.getByRole("button").count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("the customer's SSO page says the live certificate expired and where to replace it", async () => {
    const { page, problems } = await e2e.signedInPage("/orgs/acme/sso", "alice@acme.test");
    await hydrated(page);
    const notice = page.getByText("Your live signing certificate expired on");
    await notice.waitFor();
    await page.getByRole("link", { name: "Upload the new metadata" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: "test-results/org-sso-certificate.png", fullPage: true });
    expect(problems).toEqual([]);
  });
});
