import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AuditTable } from "~/components/audit-table";
import { sectionTitle } from "~/components/section-nav";
import { listAllAudit } from "~/services/audit/audit-log.server";
import { requireSupport } from "~/services/identity/guards.server";

/** /support/audit — what happened, in every organization. */
export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const audit = await listAllAudit(scope, 100);
  return { audit: audit.map((a) => ({ ...a, at: a.at.toISOString() })) };
}

export default function SupportAudit() {
  const { audit } = useLoaderData<typeof loader>();
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <AuditTable rows={audit} showOrg />
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Audit log") }];
