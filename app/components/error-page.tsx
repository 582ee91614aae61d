import { Link } from "~/components/link";

const COPY: Record<number, { title: string; body: string }> = {
  400: { title: "That request could not be understood", body: "Check what you entered and try again." },
  403: {
    title: "You can't do that here",
    body: "Your role does not allow this action. Ask an administrator of your organization.",
  },
  404: { title: "Page not found", body: "The page you asked for does not exist, or you do not have access to it." },
  413: { title: "That upload is too large", body: "Files up to 1 MB are accepted." },
  429: { title: "Too many requests", body: "Please wait a moment and try again." },
  500: { title: "Something went wrong on our side", body: "The error has been logged. Please try again in a moment." },
};

/** One page for every error the portal shows: what happened, in plain words, and a way out. */
export function ErrorPage({ status, detail }: { status: number; detail?: string }) {
  const copy = COPY[status] ?? (status >= 500 ? COPY[500]! : COPY[400]!);
  return (
    <section className="error-page" aria-labelledby="error-title">
      <p className="error-status">Error {status}</p>
      <h1 id="error-title">{copy.title}</h1>
      <p>{detail && status < 500 ? detail : copy.body}</p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </section>
  );
}
