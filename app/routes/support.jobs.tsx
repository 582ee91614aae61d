import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ActionNotice } from "~/components/form-errors";
import { Time } from "~/components/time";
import { requireSupport } from "~/services/identity/guards.server";
import { supportRoleCan } from "~/services/identity/permissions";
import { formatPeriod } from "~/services/monitoring/job-catalog";
import { listScheduledJobs, requestRun } from "~/services/monitoring/scheduled-jobs.server";

/**
 * /support/jobs — the scheduled jobs: what each does, its period, when it last ran and how, when
 * it runs next; a support lead can run one now.
 */

const runNowSchema = z.object({ intent: z.literal("run-now"), name: z.string().min(1) });

type ActionResult = { ok: boolean; message: string };

export async function loader({ request }: LoaderFunctionArgs) {
  const scope = await requireSupport(request);
  const jobs = await listScheduledJobs(scope);
  return {
    canRun: supportRoleCan(scope.role, "support:jobs:run"),
    jobs: jobs.map((j) => ({
      ...j,
      nextRunAt: j.nextRunAt.toISOString(),
      lastStartedAt: j.lastStartedAt?.toISOString() ?? null,
      lastFinishedAt: j.lastFinishedAt?.toISOString() ?? null,
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const scope = await requireSupport(request, "support_admin");
  const parsed = runNowSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data<ActionResult>({ ok: false, message: "Unknown action." }, { status: 400 });
  const result = await requestRun(scope, parsed.data.name);
  if (!result.ok) return data<ActionResult>({ ok: false, message: result.error }, { status: 404 });
  return data<ActionResult>({
    ok: true,
    message: `${result.title}: the run starts in a moment. Reload to see its outcome.`,
  });
}

function LastRun({ job }: { job: ReturnType<typeof useLoaderData<typeof loader>>["jobs"][number] }) {
  if (job.running)
    return (
      <span className="badge">Running since {job.lastStartedAt ? <Time value={job.lastStartedAt} /> : "now"}</span>
    );
  if (!job.lastFinishedAt) return <span className="hint">Not run yet</span>;
  return (
    <>
      <span className={`badge ${job.lastOutcome === "failed" ? "error" : "ok"}`}>
        {job.lastOutcome === "failed" ? "Failed" : "Succeeded"}
      </span>{" "}
      <Time value={job.lastFinishedAt} />
      {job.lastOutcome === "failed" && job.lastError ? <p className="field-error">{job.lastError}</p> : null}
      {job.lastOutcome === "succeeded" && job.lastSummary ? <p className="hint">{job.lastSummary}</p> : null}
    </>
  );
}

export default function ScheduledJobs() {
  const { canRun, jobs } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <div className="stack">
      <h1>Scheduled jobs</h1>
      <p className="lead">
        Every portal worker looks for due jobs; each job runs once per period whichever worker takes it.
      </p>
      <div aria-live="polite">
        <ActionNotice result={result} />
      </div>
      <section className="card" aria-labelledby="jobs-title">
        <h2 id="jobs-title">Jobs</h2>
        {jobs.length === 0 ? (
          <p className="empty-state">
            No scheduled job has been registered yet: they appear once a worker (or `npm start`) has started.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Every</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
                <th scope="col">Runs (failed)</th>
                {canRun ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr key={job.name}>
                  <td>
                    <strong>{job.title}</strong>
                    <p className="hint">{job.description}</p>
                  </td>
                  <td>{formatPeriod(job.periodSeconds)}</td>
                  <td>
                    <LastRun job={job} />
                  </td>
                  <td>
                    <Time value={job.nextRunAt} />
                    {job.runRequestedBy ? <p className="hint">Requested by {job.runRequestedBy}</p> : null}
                  </td>
                  <td>
                    {job.runs} ({job.failures})
                  </td>
                  {canRun ? (
                    <td>
                      <Form method="post">
                        <input type="hidden" name="intent" value="run-now" />
                        <input type="hidden" name="name" value={job.name} />
                        <button type="submit" className="secondary" disabled={busy || job.running}>
                          Run now<span className="visually-hidden">: {job.title}</span>
                        </button>
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: "Scheduled jobs · Support · SSO Portal" }];
