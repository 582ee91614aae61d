import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createSmtpSender,
  deliverDue,
  outboxOnly,
  startMailer,
  type MailSender,
} from "~/services/notifications/mailer.server";
import { operationsJobs } from "~/services/monitoring/jobs.server";
import { createScheduler } from "~/services/monitoring/scheduler.server";
import type { TenantConfig } from "~/services/platform/tenant-config.server";
import { queueMail, readOutbox, type QueuedMail } from "~/services/notifications/outbox.server";
import { renderChangeMail } from "~/services/notifications/templates";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";
import { createTestDatabase, openSecondPool, type TestDatabase } from "../support/test-database";

/**
 * The mail queue against a real SMTP server (tests/support/smtp-sink.ts, on a free port) and the
 * real database: delivered once, retried with a delay when the server refuses or drops the
 * connection, given up after the last attempt, and never taken by two deliverers at once.
 */
let test: TestDatabase;
let sink: SmtpSink;
let smtp: MailSender;

function mail(n: number, to = "alice@customer.example"): QueuedMail {
  return {
    dedupeKey: `test:${n}`,
    to,
    kind: "change.approved",
    link: `http://portal.test/orgs/acme/sso#change-${n}`,
    ...renderChangeMail("change.approved", {
      organizationName: "Acme <Corp>",
      changeId: String(n),
      author: "alice@customer.example",
      summary: "Signing certificate added",
      reviewer: "lena@vendor.example",
      link: `http://portal.test/orgs/acme/sso#change-${n}`,
    }),
  };
}

async function statuses(): Promise<string[]> {
  const rows = await test.db.selectFrom("outbox_messages").select("status").orderBy("id").execute();
  return rows.map((r) => r.status);
}

beforeAll(async () => {
  test = await createTestDatabase();
  sink = await startSmtpSink({ user: "portal", pass: "sink-password" });
  smtp = createSmtpSender(sink.url, "SSO Portal <no-reply@portal.test>");
});

afterAll(async () => {
  smtp.close();
  await sink.close();
  await test.destroy();
});

/** The `email-retries` job as the portal schedules it, run once by a scheduler of its own. */
async function runRetriesJob() {
  // Only `email-retries` runs here: the other jobs (and the tenant they would reach) are left out.
  const jobs = operationsJobs({ db: test.db, tenant: {} as TenantConfig, rateBudget: null, mailSender: smtp });
  const scheduler = createScheduler({ db: test.db, jobs: jobs.filter((j) => j.name === "email-retries") });
  await scheduler.register();
  expect(await scheduler.runDue()).toEqual(["email-retries"]);
  return test.db
    .selectFrom("scheduled_jobs")
    .select(["last_outcome", "last_summary", "last_error", "runs", "failures"])
    .where("name", "=", "email-retries")
    .executeTakeFirstOrThrow();
}

beforeEach(async () => {
  await test.db.deleteFrom("scheduled_jobs").execute();
  await test.db.deleteFrom("outbox_messages").execute();
  sink.received.length = 0;
  sink.mode = "accept";
});

describe(`mail queue (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("delivers each message once over SMTP, plain text and HTML, with the link back", async () => {
    await queueMail(test.db, [mail(1), mail(2, "bob@customer.example")]);
    await queueMail(test.db, [mail(1)]); // the same event again: nothing new
    expect(await deliverDue(test.db, smtp, { due: "new" })).toEqual({ sent: 2, retried: 0, dead: 0 });
    expect(await deliverDue(test.db, smtp, { due: "new" })).toEqual({ sent: 0, retried: 0, dead: 0 });

    expect(sink.received.map((m) => m.to)).toEqual([["alice@customer.example"], ["bob@customer.example"]]);
    const raw = sink.received[0]!;
    expect(raw.user).toBe("portal");
    expect(raw.from).toBe("no-reply@portal.test");
    expect(raw.data).toMatch(/^Subject: Approved: your single sign-on change #1$/m);
    expect(raw.data).toContain("Content-Type: text/plain");
    expect(raw.data).toContain("Content-Type: text/html");
    expect(raw.data).toMatch(/Message-ID: <outbox-\d+@127\.0\.0\.1>/i);
    expect(raw.data).toContain("http://portal.test/orgs/acme/sso#change-1");
    expect(raw.data).toContain("Acme &lt;Corp&gt;"); // escaped in the HTML part
    expect(await statuses()).toEqual(["sent", "sent"]);
    const row = await test.db.selectFrom("outbox_messages").selectAll().orderBy("id").executeTakeFirstOrThrow();
    expect(row).toMatchObject({ delivered_via: "smtp", attempts: 1, last_error: null });
  });

  it("a server that refuses mail or drops the connection: retried later, delivered once when it recovers", async () => {
    await queueMail(test.db, [mail(3)]);
    sink.mode = "refuse";
    expect(await deliverDue(test.db, smtp, { due: "new" })).toMatchObject({ sent: 0, retried: 1, dead: 0 });
    let row = await test.db.selectFrom("outbox_messages").selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe("queued");
    expect(row.last_error).toContain("451");
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 5_000);
    // Not due yet: the next round leaves it alone.
    expect(await deliverDue(test.db, smtp, { due: "retries" })).toEqual({ sent: 0, retried: 0, dead: 0 });

    sink.mode = "drop";
    await sql`update outbox_messages set next_attempt_at = now()`.execute(test.db);
    expect(await deliverDue(test.db, smtp, { due: "retries" })).toMatchObject({ sent: 0, retried: 1, dead: 0 });
    row = await test.db.selectFrom("outbox_messages").selectAll().executeTakeFirstOrThrow();
    expect(row.attempts).toBe(2);

    sink.mode = "accept";
    await sql`update outbox_messages set next_attempt_at = now()`.execute(test.db);
    expect(await deliverDue(test.db, smtp, { due: "retries" })).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(sink.received).toHaveLength(1);
    expect(await statuses()).toEqual(["sent"]);
  });

  it("the mailer sends new mail at once; what failed is the email-retries job's, which sends it when due", async () => {
    const mailer = startMailer(test.db, createSmtpSender(sink.url, "SSO Portal <no-reply@portal.test>"), {
      intervalMs: 3_600_000,
    });
    try {
      sink.mode = "refuse";
      await queueMail(test.db, [mail(7)]);
      expect(await mailer.kick()).toMatchObject({ sent: 0, retried: 1, dead: 0 });
      let row = await test.db.selectFrom("outbox_messages").selectAll().executeTakeFirstOrThrow();
      // The first retry waits a minute.
      expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 50_000);

      // Due again: the mailer leaves it to the job, even with the server back.
      sink.mode = "accept";
      await sql`update outbox_messages set next_attempt_at = now()`.execute(test.db);
      expect(await mailer.kick()).toEqual({ sent: 0, retried: 0, dead: 0 });
      expect(sink.received).toHaveLength(0);

      const job = await runRetriesJob();
      expect(job).toMatchObject({ last_outcome: "succeeded", runs: 1, failures: 0 });
      expect(job.last_summary).toBe("1 sent, 0 to try again, 0 given up");
      expect(sink.received).toHaveLength(1);
      row = await test.db.selectFrom("outbox_messages").selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: "sent", attempts: 2, last_error: null });
    } finally {
      await mailer.stop();
    }
  });

  it("email-retries: a run in which every attempt fails is marked failed with the server's answer, nothing due is said", async () => {
    expect((await runRetriesJob()).last_summary).toBe("no mail due for another attempt");
    await test.db.deleteFrom("scheduled_jobs").execute();

    await queueMail(test.db, [mail(8), mail(9)]);
    sink.mode = "refuse";
    await deliverDue(test.db, smtp, { due: "new" });
    await sql`update outbox_messages set next_attempt_at = now()`.execute(test.db);
    const job = await runRetriesJob();
    expect(job).toMatchObject({ last_outcome: "failed", failures: 1 });
    expect(job.last_error).toMatch(/^0 sent, 2 to try again, 0 given up: .*451/);
    expect(job.last_error).not.toContain("sink-password");
  });

  it("email-retries: a message left half-sent by a process that died goes out once its claim has run out", async () => {
    await queueMail(test.db, [mail(10)]);
    // A process claimed it (attempt 1) and died before marking it sent.
    await sql`update outbox_messages set status = 'sending', attempts = 1,
                locked_until = now() - interval '1 second'`.execute(test.db);
    const mailer = startMailer(test.db, createSmtpSender(sink.url, "SSO Portal <no-reply@portal.test>"), {
      intervalMs: 3_600_000,
    });
    try {
      expect(await mailer.kick()).toEqual({ sent: 0, retried: 0, dead: 0 });
    } finally {
      await mailer.stop();
    }
    expect((await runRetriesJob()).last_summary).toBe("1 sent, 0 to try again, 0 given up");
    expect(sink.received).toHaveLength(1);
    expect(await statuses()).toEqual(["sent"]);
  });

  it("gives up after the last attempt and keeps the error for the outbox page", async () => {
    await queueMail(test.db, [mail(4)]);
    await test.db.updateTable("outbox_messages").set({ max_attempts: 2 }).execute();
    sink.mode = "refuse";
    await deliverDue(test.db, smtp, { due: "new" });
    await sql`update outbox_messages set next_attempt_at = now()`.execute(test.db);
    expect(await deliverDue(test.db, smtp, { due: "retries" })).toMatchObject({ sent: 0, retried: 0, dead: 1 });
    const row = await test.db.selectFrom("outbox_messages").selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe("dead");
    expect(row.last_error).toMatch(/451/);
    expect(row.last_error).not.toContain("sink-password");
  });

  it("two deliverers at once never send one message twice", async () => {
    await queueMail(
      test.db,
      Array.from({ length: 30 }, (_, i) => mail(100 + i)),
    );
    const second = await openSecondPool(test);
    const other = second?.db ?? test.db;
    try {
      const results = await Promise.all([
        deliverDue(test.db, smtp, { due: "new", batch: 10 }),
        deliverDue(other, smtp, { due: "new", batch: 10 }),
        deliverDue(test.db, smtp, { due: "new", batch: 10 }),
        deliverDue(other, smtp, { due: "new", batch: 10 }),
      ]);
      const sent = results.reduce((n, r) => n + r.sent, 0);
      expect(sent).toBe(30);
      const subjects = sink.received.map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1]);
      expect(new Set(subjects).size).toBe(30);
      expect(sink.received).toHaveLength(30);
    } finally {
      await second?.close();
    }
  });

  it("local mode: the outbox is the mailbox; a user reads only their own mail, support all", async () => {
    await queueMail(test.db, [mail(5), mail(6, "bob@customer.example")]);
    expect(await deliverDue(test.db, outboxOnly, { due: "new" })).toEqual({ sent: 2, retried: 0, dead: 0 });
    expect(sink.received).toHaveLength(0);
    const alice = { kind: "user" as const, user: { id: "x", email: "Alice@Customer.example", name: null } };
    const own = await readOutbox(test.db, alice);
    expect(own.messages.map((m) => m.to_address)).toEqual(["alice@customer.example"]);
    expect(own.messages[0]!.delivered_via).toBe("outbox");
    const support = await readOutbox(test.db, {
      kind: "support",
      role: "support_agent",
      user: { id: "y", email: "lena@vendor.example", name: null },
    });
    expect(support.messages).toHaveLength(2);
  });
});
