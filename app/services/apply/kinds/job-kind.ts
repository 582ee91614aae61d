import type { Kysely, Transaction } from "kysely";
import type { z } from "zod";
import type { Auth0Gateway } from "../../auth0/gateway.server";
import type { SystemOrgScope } from "../../identity/scope.server";
import type { ApplyJob } from "../../platform/db/schema";
import type { Database } from "../../platform/db/schema";
import type { SecretsKey } from "../../platform/secrets.server";

/**
 * A kind of apply job: what its row asks for (`desired`, parsed with the kind's schema), the steps
 * that make it so in Auth0, in order, and the audit action its end is recorded under. The engine
 * (queue, locks, moves, retries, the loop) is the same for every kind; a kind only says what each
 * step does. Add one with `defineJobKind` and list it in `registry.server.ts`.
 *
 * Every step must be idempotent: a crash between its write to Auth0 and the record that it is done
 * repeats it, and a retry repeats every step not yet recorded.
 *
 * A kind also says which resources its steps read, merge and write back (`locks`, ADR 013): the
 * engine holds those locks around each step, and steps of other organizations run meanwhile.
 */

export interface StepContext<Desired, State> {
  /** The job's organization, as the worker acts for it. */
  scope: SystemOrgScope;
  job: Readonly<ApplyJob>;
  desired: Desired;
  /** The kind's memo for this run of the job (e.g. the connection read by an earlier step). */
  state: State;
  gateway: Auth0Gateway;
  /**
   * For reading the portal's rows. What a step records in them (e.g. the Auth0 organization it
   * created) goes in `StepResult.record`, which commits with the record that the step is done, or
   * not at all.
   */
  db: Kysely<Database> | Transaction<Database>;
  /** The key queued secrets were sealed with; opened only by the step that sends them. */
  secretsKey: () => SecretsKey;
}

export interface StepResult {
  /** The Auth0 connection the job acts on, recorded with the step (and shown with the job). */
  connectionId?: string | null;
  /** Nothing left to do: the job succeeds without its remaining steps. */
  stop?: boolean;
  /** The step's writes to the portal's rows, committed with the record that the step is done. */
  record?: (db: Kysely<Database> | Transaction<Database>) => Promise<void>;
}

/** What a kind's `locks` is told to name the resources its steps read, merge and write back. */
export interface LockContext<Desired> {
  scope: SystemOrgScope;
  desired: Desired;
  gateway: Auth0Gateway;
}

export interface JobStep<Desired, State> {
  readonly name: string;
  run(ctx: StepContext<Desired, State>): Promise<StepResult | void>;
}

export interface JobKindDefinition<Desired, State> {
  /** The `kind` column. */
  readonly name: string;
  /** Audit action of the job's end (success, failure or refusal), e.g. "connection.apply". */
  readonly auditAction: string;
  readonly desired: z.ZodType<Desired, z.ZodTypeDef, unknown>;
  /** JSON paths in `desired` holding sealed secrets: dropped from the row when the job ends. */
  readonly secretPaths?: readonly (readonly string[])[];
  /** The run's memo, from the job as recorded (e.g. its connection id). */
  start(job: Readonly<ApplyJob>): State;
  /**
   * The resources (`lockResource` in locks.server.ts) every step of the kind may read, merge and
   * write back. None: the tenant-wide lock.
   */
  locks?(ctx: LockContext<Desired>): string[];
  readonly steps: readonly JobStep<Desired, State>[];
}

/** One run of one job: its steps bound to the parsed desired state and the run's memo. */
export interface JobRun {
  run(step: string, gateway: Auth0Gateway, db: Kysely<Database> | Transaction<Database>): Promise<StepResult>;
  /** The resources a step of this job holds (empty: the tenant-wide lock, e.g. a row that does not parse). */
  locks(gateway: Auth0Gateway): string[];
}

/** A kind as the engine sees it: its types erased, so kinds of every shape share one registry. */
export interface JobKind {
  readonly name: string;
  readonly auditAction: string;
  readonly secretPaths: readonly (readonly string[])[];
  readonly steps: readonly string[];
  begin(job: Readonly<ApplyJob>, scope: SystemOrgScope, secretsKey: () => SecretsKey): JobRun;
}

export function defineJobKind<Desired, State>(definition: JobKindDefinition<Desired, State>): JobKind {
  const byName = new Map(definition.steps.map((s) => [s.name, s]));
  return {
    name: definition.name,
    auditAction: definition.auditAction,
    secretPaths: definition.secretPaths ?? [],
    steps: definition.steps.map((s) => s.name),
    begin(job, scope, secretsKey) {
      const state = definition.start(job);
      let desired: Desired | undefined;
      return {
        locks(gateway) {
          if (!definition.locks) return [];
          const parsed =
            desired !== undefined
              ? { success: true as const, data: desired }
              : definition.desired.safeParse(job.desired);
          return parsed.success ? definition.locks({ scope, desired: parsed.data, gateway }) : [];
        },
        async run(name, gateway, db) {
          const step = byName.get(name);
          if (!step) throw new Error(`apply job kind ${definition.name} has no step ${name}`);
          // Parsed by the first step, so a row that does not parse fails like any step would.
          desired ??= definition.desired.parse(job.desired);
          return (await step.run({ scope, job, desired, state, gateway, db, secretsKey })) ?? {};
        },
      };
    },
  };
}
