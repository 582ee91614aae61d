import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { TestResult, type TestResultData } from "~/components/test-login-result";
import { requireOrgMember } from "~/services/identity/guards.server";
import { getTestResult } from "~/services/test-login/test-login.server";

/**
 * /orgs/<slug>/sso/tests/<id> — one test login's result, for everyone in the organization. A test
 * of another organization (or none) answers 404.
 */

const show = (v: unknown): string =>
  typeof v === "string" ? v : Array.isArray(v) ? v.map(show).join(", ") : JSON.stringify(v);
const pairs = (o: Record<string, unknown>): [string, string][] =>
  Object.entries(o)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => [k, show(v)]);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  const result = await getTestResult(scope, params.id ?? "");
  if (!result) throw new Response("There is no such test login in this organization.", { status: 404 });
  const view: TestResultData = {
    ...result,
    startedAt: result.startedAt.toISOString(),
    finishedAt: result.finishedAt?.toISOString() ?? null,
    claims: pairs(result.claims),
    attributes: result.attributes ? pairs(result.attributes) : null,
    checks: result.checks.map(({ id, label, passed, value, expected }) => ({ id, label, passed, value, expected })),
  };
  return { org: { slug: scope.org.slug, name: scope.org.name }, result: view };
}

export default function TestLoginResultPage() {
  const { org, result } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <p>
        <Link to={`/orgs/${org.slug}`}>{org.name}</Link> ›{" "}
        <Link to={`/orgs/${org.slug}/sso/live`}>Test and go live</Link> › Test login
      </p>
      <h2>Test login of version {result.version}</h2>
      <TestResult result={result} slug={org.slug} />
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Test login · ${data?.org.name ?? "Organization"} · SSO Portal` },
];
