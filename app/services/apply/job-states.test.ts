import { describe, expect, it } from "vitest";
import { ALLOWED_MOVES, canMove, isFinal, JOB_STATES } from "./job-states";

describe("apply job states", () => {
  it("a job ends only as succeeded, failed or dead, and nothing moves it from there", () => {
    expect(JOB_STATES.filter(isFinal)).toEqual(["succeeded", "failed", "dead"]);
    for (const from of ["succeeded", "failed", "dead"] as const) {
      for (const to of JOB_STATES) expect(canMove(from, to)).toBe(false);
    }
  });

  it("only a running job can end or go back to the queue; a queued job can only be taken", () => {
    expect(ALLOWED_MOVES.queued).toEqual(["running"]);
    expect(canMove("queued", "succeeded")).toBe(false);
    expect(canMove("queued", "failed")).toBe(false);
    for (const to of JOB_STATES) expect(canMove("running", to)).toBe(true);
  });
});
