/**
 * The loop every background runner shares (the apply worker, the scheduler, the apply follower):
 * run a turn, and when it found nothing to do wait for the poll interval or for a wake-up,
 * whichever comes first; a turn that throws is logged and the loop goes on after the interval.
 * A wake-up that arrives during a turn is kept, so the wait after it returns at once: the turn may
 * have looked before the work it announces was there. `stop()` ends the wait at once and resolves
 * when the current turn has finished.
 */
export type TurnOutcome = "worked" | "idle" | "halt";

export interface PollingLoopOptions {
  /** How long an idle wait lasts; a function is asked before each wait (a cadence that follows the last turn). */
  pollMs: number | (() => number);
  /** One turn: "worked" looks again at once, "idle" waits, "halt" ends the loop (a simulated crash). */
  turn: () => Promise<TurnOutcome>;
  /** Runs once before the first turn (e.g. registering rows); a failure is reported, not fatal. */
  prepare?: () => Promise<void>;
  onError: (err: Error, during: "prepare" | "turn") => void;
}

export interface PollingLoop {
  start(): void;
  /** Ends the current wait, or the next one if a turn is running (work was queued in this process). */
  wake(): void;
  stop(): Promise<void>;
  readonly running: boolean;
}

export function createPollingLoop(options: PollingLoopOptions): PollingLoop {
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  /** A wake-up came while no wait was there to end: the next wait is skipped. */
  let woken = false;

  const idle = () =>
    new Promise<void>((resolve) => {
      if (woken) return resolve();
      const t = setTimeout(resolve, typeof options.pollMs === "function" ? options.pollMs() : options.pollMs);
      wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    }).finally(() => {
      wakeUp = undefined;
    });

  async function run(): Promise<void> {
    if (options.prepare) {
      try {
        await options.prepare();
      } catch (err) {
        options.onError(err as Error, "prepare");
      }
    }
    while (running) {
      let outcome: TurnOutcome;
      // Whatever was announced until now, this turn will see.
      woken = false;
      try {
        outcome = await options.turn();
      } catch (err) {
        options.onError(err as Error, "turn");
        outcome = "idle";
      }
      if (outcome === "halt") running = false;
      if (!running) break;
      if (outcome === "idle") await idle();
    }
  }

  return {
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    wake: () => {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}
