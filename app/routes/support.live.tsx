import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { SchemaForm, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { Pager, pageParam, SearchField } from "~/components/pager";
import { Time } from "~/components/time";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { listLiveConnections, setLiveConnectionEnabled } from "~/services/go-live/go-live.server";
import { requireSupport } from "~/services/identity/guards.server";
import { supportRoleCan } from "~/services/identity/permissions";

/**
 * /support/live — every organization's live connection. In an emergency (a compromised IdP, a
 * login that lets the wrong people in) a support lead disables one with a reason — nobody signs in
 * through it until it is enabled again — and the organization sees who did it and why.
 */

const switchSchema = z.object({
  organizationId: z.string().uuid("Choose an organization."),
  reason: z.string().trim().min(3, "Say why (at least a few words): the organization will see it.").max(1000),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const url = new URL(request.url);
  const search = (url.searchParams.get("q") ?? "").slice(0, 100);
  const { rows, total, page, pageSize } = await listLiveConnections(scope, { page: pageParam(url), search });
  return {
    canSwitch: supportRoleCan(scope.role, "support:connections:disable"),
    search,
    total,
    page,
    pageSize,
    rows: rows.map((r) => ({
      ...r,
      live: {
        ...r.live,
        since: r.live.since.toISOString(),
        disabled: r.live.disabled ? { ...r.live.disabled, at: r.live.disabled.at.toISOString() } : null,
      },
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const scope = await requireSupport(request, "support_admin");
  const submission = await readSubmission(request);
  if (submission.intent !== "disable" && submission.intent !== "enable") return unknownIntent(submission);
  const parsed = parseSubmission(submission, switchSchema);
  if (!parsed.ok) return parsed.reply;
  const enabled = submission.intent === "enable";
  const result = await setLiveConnectionEnabled(scope, parsed.value.organizationId, enabled, parsed.value.reason);
  if (!result.ok) return refuse(submission, result.message);
  return redirectWithFlash(samePage(request), {
    tone: "ok",
    message: enabled
      ? "The live connection is enabled again: its users can sign in."
      : "The live connection is disabled: nobody can sign in through it until it is enabled again.",
  });
}

function Switch({ organizationId, name, disabled }: { organizationId: string; name: string; disabled: boolean }) {
  const intent = disabled ? "enable" : "disable";
  const form = useSchemaForm(switchSchema, { intent, hidden: { organizationId } });
  return (
    <SchemaForm form={form} aria-label={`${disabled ? "Enable" : "Disable"} ${name}'s live connection`}>
      <TextField name="reason" label="Reason" hint="Shown to the organization and kept in the audit log." />
      <SubmitButton className={disabled ? undefined : "danger"}>
        {disabled ? "Enable" : "Disable"} the live connection<span className="visually-hidden"> of {name}</span>
      </SubmitButton>
    </SchemaForm>
  );
}

export default function SupportLiveConnections() {
  const { canSwitch, search, total, page, pageSize, rows } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h2>Live connections</h2>
      <p className="lead">Every organization that has gone live with single sign-on.</p>
      <Form method="get" className="inline-form" role="search" aria-label="Find a live connection">
        <SearchField id="live-q" label="Organization" placeholder="Name or slug" />
      </Form>
      {rows.length === 0 ? (
        <p className="empty-state">
          {search ? `No live organization matches “${search}”.` : "No organization has gone live yet."}
        </p>
      ) : (
        rows.map((r) => (
          <section key={r.organizationId} className="card stack" aria-labelledby={`org-${r.slug}`}>
            <h3 id={`org-${r.slug}`}>{r.name}</h3>
            <p>
              Version {r.live.version} on <code>{r.live.connectionName}</code> since <Time value={r.live.since} />.{" "}
              {r.live.disabled ? (
                <span className="badge error">Disabled</span>
              ) : (
                <span className="badge ok">Users can sign in</span>
              )}
            </p>
            {r.live.disabled ? (
              <p className="notice warn">
                Disabled by {r.live.disabled.by} on <Time value={r.live.disabled.at} />: {r.live.disabled.reason}
              </p>
            ) : null}
            {canSwitch ? <Switch organizationId={r.organizationId} name={r.name} disabled={!!r.live.disabled} /> : null}
          </section>
        ))
      )}
      {total > 0 ? <Pager total={total} page={page} pageSize={pageSize} noun="live organization" /> : null}
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: "Live connections · Support · SSO Portal" }];
