import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { ButtonForm, useSchemaForm } from "~/components/form";
import { sectionTitle } from "~/components/section-nav";
import { Time } from "~/components/time";
import { redirectWithFlash, samePage } from "~/forms/flash.server";
import { parseSubmission, readSubmission, refuse, unknownIntent } from "~/forms/parse.server";
import { requireSupport } from "~/services/identity/guards.server";
import { supportRoleCan } from "~/services/identity/permissions";
import { formatPeriod } from "~/services/monitoring/job-catalog";
import { listScheduledJobs, requestRun } from "~/services/monitoring/scheduled-jobs.server";

/**
 * /support/jobs — the scheduled jobs: what each does, its period, when it last ran and how, when
 * it runs next; a support lead can run one now.
 */

const runNowSchema = z.object({ name: z.string().min(1, "Choose a job.") });

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
  const submission = await readSubmission(request);
  if (submission.intent !== "run-now") return unknownIntent(submission);
  const parsed = parseSubmission(submission, runNowSchema);
  if (!parsed.ok) return parsed.reply;
  const result = await requestRun(scope, parsed.value.name);
  if (!result.ok) return refuse(submission, result.error);
  return redirectWithFlash(samePage(request), {
    tone: "ok",
    message: `${result.title}: the run starts in a moment. Reload to see its outcome.`,
  });
}

/** A support lead runs a job now; a refusal shows beside its button. */
function RunNow({ job }: { job: { name: string; title: string; running: boolean } }) {
  const form = useSchemaForm(runNowSchema, { intent: "run-now", hidden: { name: job.name } });
  return (
    <ButtonForm form={form} className="secondary" disabled={job.running} names={`: ${job.title}`}>
      Run now
    </ButtonForm>
  );
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
  return (
    <section className="card" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Scheduled jobs</h2>
      <p>Every portal worker looks for due jobs; each job runs once per period whichever worker takes it.</p>
      <div>
        <DataTable
          rows={jobs}
          rowKey={(job) => job.name}
          empty="No scheduled job has been registered yet: they appear once a worker (or `npm start`) has started."
          columns={[
            {
              header: "Job",
              cell: (job) => (
                <>
                  <strong>{job.title}</strong>
                  <p className="hint">{job.description}</p>
                </>
              ),
            },
            { header: "Every", cell: (job) => formatPeriod(job.periodSeconds) },
            { header: "Last run", cell: (job) => <LastRun job={job} /> },
            {
              header: "Next run",
              cell: (job) => (
                <>
                  <Time value={job.nextRunAt} />
                  {job.runRequestedBy ? <p className="hint">Requested by {job.runRequestedBy}</p> : null}
                </>
              ),
            },
            {
              header: "Runs (failed)",
              cell: (job) => (
                <>
                  {job.runs} ({job.failures})
                </>
              ),
            },
            canRun && { header: "Actions", cell: (job) => <RunNow job={job} /> },
          ]}
        />
      </div>
    </section>
  );
}

export const meta: MetaFunction = ({ matches }) => [{ title: sectionTitle(matches, "Scheduled jobs") }];
