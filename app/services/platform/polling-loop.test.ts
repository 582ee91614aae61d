import { describe, expect, it } from "vitest";
import { createPollingLoop, type TurnOutcome } from "./polling-loop.server";

/** The promise's value, or "timed out" if it has not settled after `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | "timed out"> {
  return Promise.race([promise, new Promise<"timed out">((r) => setTimeout(() => r("timed out"), ms).unref())]);
}

describe("polling loop", () => {
  it("a wake-up that arrives while a turn is running is not lost: the loop looks again at once, not a poll interval later", async () => {
    let turns = 0;
    let secondTurn!: () => void;
    const second = new Promise<void>((r) => (secondTurn = r));
    const loop = createPollingLoop({
      pollMs: 60_000,
      turn: async (): Promise<TurnOutcome> => {
        turns++;
        if (turns === 1) {
          // The turn has looked and found nothing; the work it would have found is queued now.
          await new Promise((r) => setTimeout(r, 5));
          loop.wake();
        } else {
          secondTurn();
        }
        return "idle";
      },
      onError: (err) => {
        throw err;
      },
    });
    loop.start();
    try {
      expect(await within(2000, second)).toBeUndefined();
      expect(turns).toBe(2);
    } finally {
      await loop.stop();
    }
  });

  it("a wake-up ends one wait, not every later one: an idle loop then waits its interval again", async () => {
    const started: number[] = [];
    const loop = createPollingLoop({
      pollMs: 60_000,
      turn: async () => {
        started.push(Date.now());
        return "idle";
      },
      onError: (err) => {
        throw err;
      },
    });
    loop.start();
    try {
      await new Promise((r) => setTimeout(r, 20));
      loop.wake();
      await new Promise((r) => setTimeout(r, 50));
      expect(started).toHaveLength(2); // the first turn, and one after the wake-up
    } finally {
      await loop.stop();
    }
  });

  it("asks a cadence function before each wait, so the interval can follow what the last turn saw", async () => {
    let busy = true;
    const turnsAt: number[] = [];
    const loop = createPollingLoop({
      pollMs: () => (busy ? 10 : 60_000),
      turn: async () => {
        turnsAt.push(Date.now());
        if (turnsAt.length === 3) busy = false;
        return "idle";
      },
      onError: (err) => {
        throw err;
      },
    });
    loop.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(turnsAt).toHaveLength(3); // fast while busy, then one long wait
    } finally {
      await loop.stop();
    }
  });
});
