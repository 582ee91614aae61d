import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { Time } from "~/components/time";
import { getViewer, requireUser } from "~/services/identity/guards.server";
import { ORG_ROLE_LABEL } from "~/services/identity/permissions";
import { acceptInvitation, inspectInvitation, type InvitationState } from "~/services/identity/invitations.server";

/**
 * /invites/<token> — a setup link. A usable one shows the organization and role and, once the
 * visitor is signed in, a button to join. Used, expired, revoked and unknown links each say so
 * (410 / 404). The token is a secret: it is masked in logs and never sent on as a referrer.
 */
type LinkPage =
  | { state: "valid"; org: string; role: string; expiresAt: string; signedInAs: string | null; token: string }
  | { state: Exclude<InvitationState, "valid"> | "unknown" };

const STATUS: Record<string, number> = { unknown: 404, used: 410, expired: 410, revoked: 410 };

/** A link that could not be used; "valid" here means it changed under us (a race): say it was used. */
const unusable = (state: InvitationState | "unknown") => (state === "valid" ? "used" : state);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const token = params.token ?? "";
  const inv = await inspectInvitation(token);
  if (!inv || inv.state !== "valid") {
    const state = unusable(inv?.state ?? "unknown");
    return data<LinkPage>({ state }, { status: STATUS[state] });
  }
  const viewer = await getViewer(request);
  return data<LinkPage>({
    state: "valid",
    org: inv.orgName,
    role: ORG_ROLE_LABEL[inv.role],
    expiresAt: inv.expiresAt.toISOString(),
    signedInAs: viewer?.user.email ?? null,
    token,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  const result = await acceptInvitation(
    { id: viewer.user.id, email: viewer.user.email, name: viewer.user.name },
    params.token ?? "",
  );
  if (result.outcome === "unusable") {
    const state = unusable(result.state);
    return data<LinkPage>({ state }, { status: STATUS[state] });
  }
  return redirect(`/orgs/${result.orgSlug}`);
}

export const headers: HeadersFunction = () => ({ "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" });

const UNUSABLE: Record<string, { title: string; body: string }> = {
  unknown: {
    title: "This setup link is not valid",
    body: "Check that you copied the whole link. If it still does not work, ask whoever sent it for a new one.",
  },
  used: {
    title: "This setup link has already been used",
    body: "Each link works a limited number of times. If you already joined, sign in; otherwise ask for a new link.",
  },
  expired: {
    title: "This setup link has expired",
    body: "Setup links are valid for a limited time. Ask whoever sent it for a new one.",
  },
  revoked: {
    title: "This setup link was revoked",
    body: "Whoever issued it withdrew it. Ask them for a new one if you still need access.",
  },
};

export default function Invitation() {
  const page = useLoaderData<typeof loader>();
  if (page.state !== "valid") {
    const copy = UNUSABLE[page.state]!;
    return (
      <section className="card narrow" aria-labelledby="invite-title">
        <h1 id="invite-title">{copy.title}</h1>
        <p>{copy.body}</p>
        <p>
          <Link to="/">Go to the home page</Link>
        </p>
      </section>
    );
  }
  const here = `/invites/${page.token}`;
  return (
    <section className="card narrow" aria-labelledby="invite-title">
      <h1 id="invite-title">Join {page.org}</h1>
      <p>
        This link makes you {page.role === "Administrator" ? "an" : "a"} <strong>{page.role}</strong> of {page.org} in
        the SSO portal. It is valid until <Time value={page.expiresAt} />.
      </p>
      {page.signedInAs ? (
        <Form method="post">
          <p>
            You are signed in as <strong>{page.signedInAs}</strong>.
          </p>
          <button type="submit">Join {page.org}</button>
        </Form>
      ) : (
        <p>
          <a className="button" href={`/auth/login?returnTo=${encodeURIComponent(here)}`}>
            Sign in to join
          </a>
        </p>
      )}
    </section>
  );
}

export const meta: MetaFunction = () => [
  { title: "Setup link · SSO Portal" },
  { name: "referrer", content: "no-referrer" },
];
