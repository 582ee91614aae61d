/**
 * The apply job's states and the moves allowed between them, as data. Pure: no database, no
 * clock. `moveJob` (move-job.server.ts) is the only code that changes a job's status; it checks
 * the move here first, and writes the audit row of a move that ends the job in the same
 * transaction.
 *
 *   queued ──claim──▶ running ──succeed──▶ succeeded
 *     ▲                 │ │ ├──fail─────▶ failed   (Auth0 refused; not worth retrying)
 *     └──retry/wait─────┘ │ └──give up──▶ dead     (retryable, but out of attempts)
 *                         └──reclaim (lease ran out, or the same worker restarted)──▶ running
 */

export const JOB_STATES = ["queued", "running", "succeeded", "failed", "dead"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const ALLOWED_MOVES: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ["running"],
  running: ["running", "queued", "succeeded", "failed", "dead"],
  succeeded: [],
  failed: [],
  dead: [],
};

/** States a job can be taken in (and that hold up the organization's later jobs). */
export const OPEN_STATES = ["queued", "running"] as const satisfies readonly JobState[];

export function isFinal(state: JobState): boolean {
  return ALLOWED_MOVES[state].length === 0;
}

export function canMove(from: JobState, to: JobState): boolean {
  return ALLOWED_MOVES[from].includes(to);
}

export class IllegalMoveError extends Error {
  override name = "IllegalMoveError";
  constructor(
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`An apply job cannot move from ${from} to ${to}.`);
  }
}
