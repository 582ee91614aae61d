import type { MetaFunction } from "@remix-run/node";

export default function SignedOut() {
  return (
    <section className="card narrow" aria-labelledby="signed-out-title">
      <h1 id="signed-out-title">You are signed out</h1>
      <p>Your portal session has ended, and so has your session with the sign-in service.</p>
      <p>
        <a className="button" href="/auth/login">
          Sign in again
        </a>
      </p>
    </section>
  );
}

export const meta: MetaFunction = () => [{ title: "Signed out · SSO Portal" }];
