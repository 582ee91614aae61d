import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Link } from "~/components/link";
import { completeSignIn } from "~/services/identity/sign-in.server";

/**
 * GET /auth/callback — the tenant sends the browser back here with a code; the sign-in service
 * finishes it (completeSignIn) and the browser goes to the kept `returnTo`, or sees why not.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const result = await completeSignIn(request);
  if (!result.ok) {
    result.headers.set("content-type", "text/plain; charset=utf-8");
    throw new Response(result.message, { status: result.status, headers: result.headers });
  }
  return redirect(result.returnTo, { headers: result.headers });
}
export default function Callback() {
  return null;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : "Sign-in failed.";
  return (
    <section className="error-page" aria-labelledby="signin-error-title">
      <h1 id="signin-error-title">Sign-in did not complete</h1>
      <p role="alert">{message}</p>
      <p>
        <a href="/auth/login">Sign in again</a> · <Link to="/">Home</Link>
      </p>
    </section>
  );
}

export const meta: MetaFunction = () => [{ title: "Signing in · SSO Portal" }];
