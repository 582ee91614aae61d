import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/services/identity/guards.server";
import { finishTestLogin, testLoginCookie } from "~/services/test-login/test-login.server";

/**
 * GET /test-login/callback — the tenant sends the test back here (the test application's
 * callback). The result is recorded against the tested version and the browser goes to the
 * result page. Only the person who started the test, in the browser that started it, with the
 * state it was given, gets anything recorded: everything else is refused and changes nothing.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const pending: unknown = await testLoginCookie().parse(request.headers.get("cookie"));
  const url = new URL(request.url);
  const result = await finishTestLogin(viewer, url.search, pending);
  const clear = await testLoginCookie().serialize("", { maxAge: 0, expires: new Date(0) });
  if (result.ok) {
    return redirect(`/orgs/${result.slug}/sso/tests/${result.testId}`, {
      headers: { "Set-Cookie": clear, "Cache-Control": "no-store" },
    });
  }
  if (result.status === 409 && result.slug && result.testId) {
    return redirect(`/orgs/${result.slug}/sso/tests/${result.testId}`, { headers: { "Cache-Control": "no-store" } });
  }
  // A stray or replayed answer must not end the test in progress: the cookie stays unless it is spent.
  throw new Response(result.message, {
    status: result.status,
    headers: { "content-type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
}
