import { call } from "./portal-requests";

/**
 * Signed-in people using the portal: each asks for a page, waits the think time, asks for the
 * next, until the time is up. Run in the benchmark's own process or in a child process of its
 * own (bench/portal-users.ts), so that the portal's CPU and event loop can be measured apart from
 * the load that drives them.
 */
export interface SimulatedUser {
  cookie: string;
  pages: { label: string; path: string; expect: string }[];
}

export interface UsersRun {
  url: string;
  users: SimulatedUser[];
  seconds: number;
  /** The mean think time between a page arriving and the next request. */
  thinkMs: number;
  /**
   * "random" (the default): each pause drawn from an exponential distribution with mean `thinkMs`
   * (seeded, so runs repeat), as independent people pause. "fixed": every pause exactly `thinkMs`,
   * which after any stall keeps the users who waited together in step, all asking again within
   * the same few milliseconds (a convoy; see BENCHMARKS.md, "Think time").
   */
  think?: "random" | "fixed";
  /** Seconds of the same load before the measured run, results discarded (JIT, caches, pools). */
  warmupSeconds?: number;
  /**
   * As a browser uses the portal: the first page a whole document, every later one a client-side
   * navigation, which asks only for the route's data (Remix's `<path>.data`, every loader on the
   * page run, none skipped: the costliest navigation).
   */
  navigations?: boolean;
}

export interface UsersResult {
  /** Response times of the successful requests, by page label. */
  times: Record<string, number[]>;
  requests: number;
  failures: number;
  reasons: Record<string, number>;
  wallMs: number;
  /** The most requests sent within any 250 ms of the measured run: how bunched the arrivals were. */
  busiestQuarterSecond: number;
}

/** A small seeded generator (mulberry32): the same pauses on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the users; `onMeasureStart` is called when the warm-up ends and the measured run begins. */
export async function runSimulatedUsers(run: UsersRun, onMeasureStart?: () => void): Promise<UsersResult> {
  const times: Record<string, number[]> = {};
  const reasons: Record<string, number> = {};
  const starts: number[] = [];
  let requests = 0;
  let failures = 0;
  const begin = performance.now();
  const measureFrom = begin + (run.warmupSeconds ?? 0) * 1000;
  const until = measureFrom + run.seconds * 1000;
  const measuring = setTimeout(() => onMeasureStart?.(), measureFrom - begin);
  await Promise.all(
    run.users.map(async (p, u) => {
      const random = seeded(u + 1);
      const pause = () => (run.think === "fixed" ? run.thinkMs : -Math.log(1 - random()) * run.thinkMs);
      // Spread the first requests over the think time, as people do not all click at once.
      await sleep((u * run.thinkMs) / run.users.length);
      for (let i = 0; performance.now() < until; i++) {
        const page = p.pages[i % p.pages.length]!;
        const navigation = run.navigations === true && i > 0;
        const start = performance.now();
        const res = await call(run.url, navigation ? `${page.path}.data` : page.path, { cookie: p.cookie }).catch(
          (err: Error) => err,
        );
        const ms = performance.now() - start;
        if (start >= measureFrom) {
          requests++;
          starts.push(start - measureFrom);
          const answered =
            !(res instanceof Error) &&
            res.status === 200 &&
            (navigation
              ? res.headers.get("content-type")?.startsWith("text/x-script")
              : res.text.includes(page.expect));
          if (!answered) {
            failures++;
            const why =
              res instanceof Error
                ? String((res.cause as Error | undefined)?.message ?? res.message)
                : `HTTP ${res.status}`;
            reasons[why] = (reasons[why] ?? 0) + 1;
          } else (times[navigation ? `${page.label} (navigation)` : page.label] ??= []).push(ms);
        }
        // The last pause is not waited out once the run is over.
        await sleep(Math.min(pause(), until - performance.now()));
      }
    }),
  );
  clearTimeout(measuring);
  return {
    times,
    requests,
    failures,
    reasons,
    wallMs: performance.now() - measureFrom,
    busiestQuarterSecond: busiest(starts, 250),
  };
}

/** The most of `starts` (ms) inside any window of `windowMs`. */
function busiest(starts: number[], windowMs: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let lo = 0, hi = 0; hi < s.length; hi++) {
    while (s[hi]! - s[lo]! >= windowMs) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}
