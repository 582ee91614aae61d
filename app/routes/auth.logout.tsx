import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { getViewer } from "~/services/identity/guards.server";
import { signOut } from "~/services/identity/sign-in.server";

/**
 * /auth/logout — GET shows the choice; POST signs out (this browser, or everywhere) and sends the
 * browser to the tenant's /v2/logout so its session ends too. A POST only, so no other site can
 * sign a user out with an image tag.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await getViewer(request);
  if (!viewer) throw redirect("/signed-out");
  return { email: viewer.user.email };
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const { destination, headers } = await signOut(request, { everywhere: form.get("scope") === "everywhere" });
  return redirect(destination, { headers });
}

export default function SignOut() {
  const { email } = useLoaderData<typeof loader>();
  return (
    <section className="card narrow" aria-labelledby="signout-title">
      <h1 id="signout-title">Sign out</h1>
      <p>
        You are signed in as <strong>{email}</strong>.
      </p>
      <Form method="post" className="button-row">
        <button type="submit" name="scope" value="this">
          Sign out
        </button>
        <button type="submit" name="scope" value="everywhere" className="secondary">
          Sign out everywhere
        </button>
      </Form>
      <p className="hint">“Everywhere” ends your sessions in every browser and device.</p>
    </section>
  );
}

export const meta: MetaFunction = () => [{ title: "Sign out · SSO Portal" }];
