import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { Time } from "~/components/time";
import { readOutbox } from "~/services/notifications/outbox.server";
import { requireUser } from "~/services/identity/guards.server";
import { getDb } from "~/services/platform/db.server";
import { getEnv } from "~/services/platform/env.server";

/**
 * /outbox — the mail the portal sent. Support reads every message; anyone else only the mail sent
 * to their own address. In local mode (no SMTP_URL) this is where the mail is read.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const reader = viewer.supportRole
    ? ({ kind: "support", user: viewer.user, role: viewer.supportRole } as const)
    : ({ kind: "user", user: viewer.user } as const);
  const before = new URL(request.url).searchParams.get("before");
  const page = await readOutbox(await getDb(), reader, { before });
  return {
    everyone: reader.kind === "support",
    email: viewer.user.email,
    smtp: Boolean(getEnv().SMTP_URL),
    paged: Boolean(before),
    nextBefore: page.nextBefore,
    messages: page.messages.map((m) => ({
      id: m.id,
      to: m.to_address,
      subject: m.subject,
      text: m.text_body,
      link: m.link,
      status: m.status,
      via: m.delivered_via,
      attempts: m.attempts,
      error: m.last_error,
      createdAt: new Date(m.created_at).toISOString(),
    })),
  };
}

const STATUS_WORDS: Record<string, string> = {
  queued: "Queued",
  sending: "Sending",
  sent: "Sent",
  dead: "Not delivered",
};

export default function Outbox() {
  const { everyone, email, smtp, messages, nextBefore, paged } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>Outbox</h1>
      <p className="lead">
        {everyone ? "Every e-mail the portal sent, newest first." : `E-mail the portal sent to ${email}, newest first.`}{" "}
        {smtp ? "Each is also delivered by the mail server." : "No mail server is configured, so mail is read here."}
      </p>
      {messages.length === 0 ? (
        <p className="empty-state">
          No mail yet. Notifications about changes (review needed, approved, applied…) appear here.
        </p>
      ) : (
        <ul className="stack outbox-list">
          {messages.map((m) => (
            <li key={m.id} className="card">
              <details>
                <summary>
                  <strong>{m.subject}</strong>
                  <span className="hint">
                    {" "}
                    · to {m.to} · <Time value={m.createdAt} /> ·{" "}
                    <span className={`badge ${m.status === "dead" ? "error" : m.status === "sent" ? "ok" : "warn"}`}>
                      {STATUS_WORDS[m.status] ?? m.status}
                    </span>
                  </span>
                </summary>
                <pre className="mail-body">{m.text}</pre>
                <p>
                  <a href={m.link}>Open the page this mail links to</a>
                </p>
                {m.error ? (
                  <p className="hint">
                    Last delivery error (attempt {m.attempts}): {m.error}
                  </p>
                ) : null}
              </details>
            </li>
          ))}
        </ul>
      )}
      <nav className="button-row" aria-label="Pages">
        {paged ? (
          <Link className="button secondary" to="/outbox">
            Newest
          </Link>
        ) : null}
        {nextBefore ? (
          <Link className="button secondary" to={`?before=${nextBefore}`}>
            Older mail
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: "Outbox · SSO Portal" }];
