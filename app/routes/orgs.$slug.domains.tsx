import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { CopyValue } from "~/components/copy-value";
import { ButtonForm, SchemaForm, SubmitButton, TextField, useSchemaForm } from "~/components/form";
import { Time } from "~/components/time";
import { addDomainSchema, domainActionSchema } from "~/forms/domains";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { orgRoleCan } from "~/services/identity/permissions";
import { DOMAIN_RECHECK_GRACE } from "~/services/organizations/domain-grace";
import { addDomain, checkDomain, listDomains, removeDomain } from "~/services/organizations/domains.server";

/**
 * /orgs/<slug>/domains — the e-mail domains the organization's people sign in with. An
 * administrator adds one, publishes the TXT record shown, and checks it; only verified domains
 * reach the organization's connection (home-realm discovery) and test logins. Viewers see the list.
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const domains = await listDomains(scope);
  return {
    title: "Domains",
    org: { name: scope.org.name },
    canManage: orgRoleCan(scope.role, "org:domains:manage"),
    domains: domains.map((d) => ({
      id: d.id,
      domain: d.domain,
      verified: d.verified,
      method: d.method,
      verifiedAt: d.verifiedAt?.toISOString() ?? null,
      verifiedBy: d.verifiedBy,
      recordName: d.recordName,
      recordValue: d.recordValue,
      lastCheckedAt: d.lastCheckedAt?.toISOString() ?? null,
      lastCheckError: d.lastCheckError,
      failingSince: d.failingSince?.toISOString() ?? null,
      lostAt: d.lostAt?.toISOString() ?? null,
      lostReason: d.lostReason,
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const submission = await readSubmission(request);
  const back = samePage(request);
  switch (submission.intent) {
    case "add-domain": {
      const parsed = parseSubmission(submission, addDomainSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await addDomain(scope, parsed.value.domain);
      if (!result.ok) return refuse(submission, result.error, { domain: result.error });
      return redirectWithFlash(back, {
        tone: "ok",
        message: `${result.domain.domain} added. Publish its TXT record, then press “Check now”.`,
      });
    }
    case "check-domain": {
      const parsed = parseSubmission(submission, domainActionSchema);
      if (!parsed.ok) return parsed.reply;
      const result = await checkDomain(scope, parsed.value.domainId);
      if (!result) throw new Response("No such domain in this organization.", { status: 404 });
      if (!result.ok) return refuse(submission, result.error);
      return redirectWithFlash(back, { tone: "ok", message: `${result.domain.domain} is verified.` });
    }
    case "remove-domain": {
      const parsed = parseSubmission(submission, domainActionSchema);
      if (!parsed.ok || !(await removeDomain(scope, parsed.value.domainId)))
        throw new Response("No such domain in this organization.", { status: 404 });
      return redirectWithFlash(back, { tone: "ok", message: "The domain was removed." });
    }
    default:
      return unknownIntent(submission);
  }
}

type DomainRow = ReturnType<typeof useLoaderData<typeof loader>>["domains"][number];

function DomainActions({ domain }: { domain: DomainRow }) {
  const check = useSchemaForm(domainActionSchema, { intent: "check-domain", hidden: { domainId: domain.id } });
  const remove = useSchemaForm(domainActionSchema, { intent: "remove-domain", hidden: { domainId: domain.id } });
  return (
    <div className="button-row">
      {domain.verified ? null : (
        <ButtonForm form={check} names={` (${domain.domain})`}>
          Check now
        </ButtonForm>
      )}
      <ButtonForm form={remove} className="danger" names={` ${domain.domain}`}>
        Remove
      </ButtonForm>
    </div>
  );
}

function DomainCard({ domain, canManage }: { domain: DomainRow; canManage: boolean }) {
  return (
    <li className="card" aria-labelledby={`domain-${domain.id}`}>
      <h3 id={`domain-${domain.id}`} className="mono">
        {domain.domain}{" "}
        <span
          className={`badge ${domain.verified ? (domain.failingSince ? "warn" : "ok") : domain.lostAt ? "error" : "warn"}`}
        >
          {domain.verified
            ? domain.failingSince
              ? "Verified, record missing"
              : "Verified"
            : domain.lostAt
              ? "Verification lost"
              : "Waiting for its DNS record"}
        </span>
      </h3>
      {domain.verified && domain.failingSince ? (
        <p className="notice warn">
          Its TXT record has not been found since <Time value={domain.failingSince} />. Put the record back: a domain
          whose record stays missing for {DOMAIN_RECHECK_GRACE.hours} hours loses its verification.
        </p>
      ) : null}
      {!domain.verified && domain.lostAt ? (
        <p className="notice error">
          Verification lost on <Time value={domain.lostAt} />: {domain.lostReason} People with an address at{" "}
          {domain.domain} are no longer sent to your organization&apos;s sign-in. Publish the record again and check it.
        </p>
      ) : null}
      {domain.verified ? (
        <p>
          Verified {domain.method === "manual" ? "by hand by the vendor's support" : "by its DNS record"}
          {domain.verifiedAt ? (
            <>
              {" "}
              on <Time value={domain.verifiedAt} />
            </>
          ) : null}
          . People with an address at {domain.domain} are sent to your organization's sign-in.
        </p>
      ) : (
        <>
          <p>At your DNS provider, add this TXT record, then check it. DNS changes can take a while to appear.</p>
          <dl className="facts">
            <dt>Type</dt>
            <dd>TXT</dd>
            <dt>Name</dt>
            <dd>
              <CopyValue value={domain.recordName} label={`record name for ${domain.domain}`} />
            </dd>
            <dt>Value</dt>
            <dd>
              <CopyValue value={domain.recordValue} label={`record value for ${domain.domain}`} />
            </dd>
          </dl>
          {domain.lastCheckError ? (
            <p className="notice error">
              Last check
              {domain.lastCheckedAt ? (
                <>
                  {" "}
                  (<Time value={domain.lastCheckedAt} />)
                </>
              ) : null}
              : {domain.lastCheckError}
            </p>
          ) : null}
        </>
      )}
      {canManage ? <DomainActions domain={domain} /> : null}
    </li>
  );
}

export default function OrganizationDomains() {
  const { org, canManage, domains } = useLoaderData<typeof loader>();
  const add = useSchemaForm(addDomainSchema, { intent: "add-domain" });
  return (
    <section className="stack" aria-labelledby="domains-title">
      <h2 id="domains-title">Domains</h2>
      <p>
        The e-mail domains {org.name}&apos;s people sign in with. Once a domain is verified, people who type an address
        there are sent to {org.name}&apos;s own sign-in.
      </p>
      {canManage ? (
        <SchemaForm form={add} className="inline-form" aria-label="Add a domain">
          <TextField name="domain" label="Domain" hint="For jane@acme.com, add acme.com." />
          <SubmitButton>Add domain</SubmitButton>
        </SchemaForm>
      ) : null}
      {domains.length === 0 ? (
        <p className="empty-state">
          No domains yet.{canManage ? " Add the domain of your e-mail addresses to start." : ""}
        </p>
      ) : (
        <ul className="stack plain-list">
          {domains.map((d) => (
            <DomainCard key={d.id} domain={d} canManage={canManage} />
          ))}
        </ul>
      )}
    </section>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Domains · ${data?.org.name ?? "Organization"} · SSO Portal` },
];
