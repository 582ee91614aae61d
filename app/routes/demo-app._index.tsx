import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import {
  demoAppAvailable,
  demoAppSignOut,
  demoAppUser,
  discoverByEmail,
  liveOrganizations,
} from "~/services/go-live/demo-app.server";

/**
 * /demo-app — local mode only: the vendor's own product in miniature. Type a work e-mail (its
 * domain finds the organization) or pick the organization, continue to its single sign-on, and
 * see who you are. Not part of a real deployment: it answers 404 with a real Auth0 tenant.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  if (!demoAppAvailable()) throw new Response("Not found", { status: 404 });
  const url = new URL(request.url);
  const email = (url.searchParams.get("email") ?? "").slice(0, 254);
  const error = (url.searchParams.get("error") ?? "").slice(0, 300);
  const [user, organizations, discovery] = await Promise.all([
    demoAppUser(request),
    liveOrganizations(),
    email ? discoverByEmail(email) : Promise.resolve(null),
  ]);
  return { user, organizations, email, discovery, error };
}

export async function action(_args: ActionFunctionArgs) {
  if (!demoAppAvailable()) throw new Response("Not found", { status: 404 });
  return redirect("/demo-app", { status: 303, headers: { "Set-Cookie": await demoAppSignOut() } });
}

export default function DemoApp() {
  const { user, organizations, email, discovery, error } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <p className="notice warn">
        Demo vendor application (local mode only): the product your customers' people sign in to.
      </p>
      <h1>Acme Analytics</h1>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {user ? (
        <section className="card stack" aria-labelledby="you-title">
          <h2 id="you-title">You are {user.name ?? user.email ?? user.sub}</h2>
          <dl className="facts">
            <div>
              <dt>E-mail</dt>
              <dd>{user.email ?? "(none sent)"}</dd>
            </div>
            <div>
              <dt>User id</dt>
              <dd className="mono">{user.sub}</dd>
            </div>
            <div>
              <dt>Signed in through</dt>
              <dd className="mono">{user.connection}</dd>
            </div>
          </dl>
          <Form method="post">
            <button type="submit" className="secondary">
              Sign out of the demo application
            </button>
          </Form>
        </section>
      ) : null}
      <section className="card stack" aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in with your company account</h2>
        <Form method="get" className="stack">
          <div className="field">
            <label htmlFor="email">Work e-mail</label>
            <input id="email" name="email" type="email" autoComplete="email" required defaultValue={email} />
          </div>
          <button type="submit">Find my organization</button>
        </Form>
        {discovery?.found ? (
          <p>
            Your organization is <strong>{discovery.org.name}</strong>.{" "}
            <a className="button" href={`/demo-app/start?org=${encodeURIComponent(discovery.org.slug)}`}>
              Continue with {discovery.org.name} single sign-on
            </a>
          </p>
        ) : discovery ? (
          <p className="notice error" role="alert">
            {discovery.message}
          </p>
        ) : null}
        <h3>Or pick your organization</h3>
        {organizations.length === 0 ? (
          <p className="empty-state">No organization has gone live with single sign-on yet.</p>
        ) : (
          <ul>
            {organizations.map((o) => (
              <li key={o.slug}>
                <a href={`/demo-app/start?org=${encodeURIComponent(o.slug)}`}>Sign in with {o.name}</a>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: "Acme Analytics (demo vendor application)" }];
