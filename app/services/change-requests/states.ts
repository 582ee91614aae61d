import type { ChangeState } from "../platform/db/schema";

export type { ChangeState } from "../platform/db/schema";

/**
 * The change request's states and the moves between them: pure data, no I/O. The one function
 * that makes a move (moves.server.ts) refuses anything this table does not allow.
 *
 *   draft ─submit─▶ pending_review ─approve / auto_approve─▶ approved ─start_apply─▶ applying ─▶ applied
 *     │                 │ reject ▶ rejected                     ▲                       └────▶ failed
 *     └─withdraw────────┴─withdraw ▶ withdrawn                  └──────── retry ──────────────────┘
 *   a newer change approved for the same organization: draft / pending_review ─supersede▶ superseded
 */
export const CHANGE_STATES = [
  "draft",
  "pending_review",
  "approved",
  "applying",
  "applied",
  "failed",
  "rejected",
  "withdrawn",
  "superseded",
] as const satisfies readonly ChangeState[];

/** Who may make a move: the organization's administrator, vendor support, or the portal itself. */
export type MoveActorKind = "org" | "support" | "system";

/** Who hears about it by e-mail once the move is made. */
export type MoveAudience = "support" | "org_admins" | null;

export interface MoveRule {
  from: readonly ChangeState[];
  to: ChangeState;
  by: readonly MoveActorKind[];
  notify: MoveAudience;
  /** The audit log's action for this move. */
  action: string;
}

export const MOVES = {
  submit: {
    from: ["draft"],
    to: "pending_review",
    by: ["org", "system"],
    notify: "support",
    action: "change.submitted",
  },
  approve: {
    from: ["pending_review"],
    to: "approved",
    by: ["support"],
    notify: "org_admins",
    action: "change.approved",
  },
  auto_approve: {
    from: ["pending_review"],
    to: "approved",
    by: ["system"],
    notify: "org_admins",
    action: "change.auto_approved",
  },
  reject: {
    from: ["pending_review"],
    to: "rejected",
    by: ["support"],
    notify: "org_admins",
    action: "change.rejected",
  },
  withdraw: {
    from: ["draft", "pending_review"],
    to: "withdrawn",
    by: ["org"],
    notify: null,
    action: "change.withdrawn",
  },
  supersede: {
    from: ["draft", "pending_review"],
    to: "superseded",
    by: ["system"],
    notify: null,
    action: "change.superseded",
  },
  start_apply: { from: ["approved"], to: "applying", by: ["system"], notify: null, action: "change.applying" },
  finish_apply: {
    from: ["approved", "applying"],
    to: "applied",
    by: ["system"],
    notify: "org_admins",
    action: "change.applied",
  },
  fail_apply: {
    from: ["approved", "applying"],
    to: "failed",
    by: ["system"],
    notify: "org_admins",
    action: "change.apply_failed",
  },
  retry: { from: ["failed"], to: "approved", by: ["org", "support"], notify: null, action: "change.retried" },
} as const satisfies Record<string, MoveRule>;

export type ChangeMove = keyof typeof MOVES;

export type MoveCheck = { ok: true; to: ChangeState } | { ok: false; error: string };

const STATE_WORDS: Record<ChangeState, string> = {
  draft: "a draft",
  pending_review: "waiting for review",
  approved: "approved",
  applying: "being applied",
  applied: "applied",
  failed: "failed",
  rejected: "rejected",
  withdrawn: "withdrawn",
  superseded: "replaced by a newer change",
};

export const STATE_LABEL: Record<ChangeState, string> = {
  draft: "Draft",
  pending_review: "Waiting for review",
  approved: "Approved",
  applying: "Applying",
  applied: "Applied",
  failed: "Failed",
  rejected: "Rejected",
  withdrawn: "Withdrawn",
  superseded: "Superseded",
};

/** Whether `move` may be made from `state` by this kind of actor; if not, why, in words. */
export function checkMove(state: ChangeState, move: ChangeMove, by: MoveActorKind): MoveCheck {
  const rule: MoveRule = MOVES[move];
  if (!rule.by.includes(by))
    return { ok: false, error: `This change cannot be ${pastTense(move)} by ${actorWords(by)}.` };
  if (!rule.from.includes(state)) {
    return { ok: false, error: `This change is ${STATE_WORDS[state]}, so it can no longer be ${pastTense(move)}.` };
  }
  return { ok: true, to: rule.to };
}

/** States in which nothing will happen to the change any more. */
export function isFinal(state: ChangeState): boolean {
  return state === "applied" || state === "rejected" || state === "withdrawn" || state === "superseded";
}

/** States in which the apply job may still move it. */
export const IN_FLIGHT: readonly ChangeState[] = ["approved", "applying"];

function pastTense(move: ChangeMove): string {
  const words: Record<ChangeMove, string> = {
    submit: "submitted",
    approve: "approved",
    auto_approve: "approved",
    reject: "rejected",
    withdraw: "withdrawn",
    supersede: "superseded",
    start_apply: "applied",
    finish_apply: "marked applied",
    fail_apply: "marked failed",
    retry: "retried",
  };
  return words[move];
}

function actorWords(by: MoveActorKind): string {
  return by === "org" ? "the organization" : by === "support" ? "support" : "the portal";
}
