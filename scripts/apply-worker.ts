/**
 * `npm run apply-worker`: an apply worker process for a real Auth0 tenant. Run as many as you
 * like, on any hosts sharing the portal's PostgreSQL database: they share the queue (SKIP LOCKED),
 * the tenant lock (advisory lock) and the rate budget (a row in the database). In local mode the
 * worker runs inside `npm start` instead.
 */
import { AUTH0_RATE_LIMITS } from "~/services/apply/budget.server";
import { startApplyWorker } from "~/services/apply/worker.server";
import { startOperationsScheduler } from "~/services/monitoring/jobs.server";
import { metricsAllowed } from "~/services/monitoring/metrics-access.server";
import { METRICS_CONTENT_TYPE, metricsText } from "~/services/monitoring/metrics.server";
import { createServer } from "node:http";
import { closeDatabase, getDatabase } from "~/services/platform/db.server";
import { envOrExit } from "./env";
import { logger } from "~/services/platform/logger.server";
import { getSecretsKey } from "~/services/platform/secrets.server";
import { getTenantConfig } from "~/services/platform/tenant-config.server";

async function main(): Promise<void> {
  const env = envOrExit();
  if (env.localMode) {
    console.error("Local mode (no AUTH0_DOMAIN): `npm start` already runs the apply worker in-process.");
    process.exit(1);
  }
  const { db } = await getDatabase();
  const rateBudget = AUTH0_RATE_LIMITS[env.AUTH0_RATE_LIMIT];
  const { worker, stop } = startApplyWorker({
    db,
    tenant: getTenantConfig(),
    prefix: env.AUTH0_CONNECTION_PREFIX,
    rateBudget,
    concurrency: env.APPLY_WORKER_CONCURRENCY,
    lockScope: env.APPLY_LOCK_SCOPE,
  });
  // Scheduled jobs (certificate expiry, metadata refresh, drift…): every worker runs the loop,
  // each job still runs once per period.
  const scheduler = startOperationsScheduler({ db, tenant: getTenantConfig(), rateBudget });
  // This process's own counters (Management API answers, scheduled runs); the queue and the rate
  // budget are the portal's /metrics, read from the shared database.
  const metricsServer = env.WORKER_METRICS_PORT
    ? createServer((req, res) => {
        if (req.url !== "/metrics") return void res.writeHead(404).end();
        if (!metricsAllowed(req.headers.authorization)) return void res.writeHead(401).end();
        void metricsText({ cluster: false }).then((text) =>
          res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(text),
        );
      }).listen(env.WORKER_METRICS_PORT, env.HOST)
    : undefined;
  // The key id (never the key) lets operators check that portal and workers share SECRETS_KEY.
  logger.info(
    {
      worker: worker.id,
      rateLimit: env.AUTH0_RATE_LIMIT,
      concurrency: env.APPLY_WORKER_CONCURRENCY,
      lockScope: env.APPLY_LOCK_SCOPE,
      secretsKeyId: getSecretsKey().id,
    },
    "apply worker started",
  );
  const shutdown = async () => {
    logger.info("apply worker stopping after the current step");
    metricsServer?.close();
    await Promise.all([stop(), scheduler.stop()]);
    await closeDatabase();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
}

void main();
