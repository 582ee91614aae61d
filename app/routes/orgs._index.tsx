import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { ORG_ROLE_LABEL } from "~/services/identity/permissions";
import { requireUser } from "~/services/identity/guards.server";

/** /orgs — the organizations the user belongs to; straight to the only one when there is one. */
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  if (viewer.memberships.length === 1 && !viewer.supportRole)
    throw redirect(`/orgs/${viewer.memberships[0]!.org.slug}`);
  // Vendor staff in no organization: their home is the support console.
  if (viewer.memberships.length === 0 && viewer.supportRole) throw redirect("/support");
  return {
    orgs: viewer.memberships.map((m) => ({ slug: m.org.slug, name: m.org.name, role: m.role })),
    support: viewer.supportRole !== null,
  };
}

export default function Organizations() {
  const { orgs, support } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="orgs-title">
      <h1 id="orgs-title">Your organizations</h1>
      {orgs.length === 0 ? (
        <p className="empty-state">
          You are not a member of any organization yet. Open the setup link you were sent, or ask your administrator for
          one.
        </p>
      ) : (
        <ul className="org-list">
          {orgs.map((o) => (
            <li key={o.slug}>
              <Link to={`/orgs/${o.slug}`}>{o.name}</Link> <span className="badge">{ORG_ROLE_LABEL[o.role]}</span>
            </li>
          ))}
        </ul>
      )}
      {support ? (
        <p>
          <Link to="/support">Go to the support console</Link>
        </p>
      ) : null}
    </section>
  );
}

export const meta: MetaFunction = () => [{ title: "Your organizations · SSO Portal" }];
