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
  thinkMs: number;
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
}

export async function runSimulatedUsers(run: UsersRun): Promise<UsersResult> {
  const times: Record<string, number[]> = {};
  const reasons: Record<string, number> = {};
  let requests = 0;
  let failures = 0;
  const wall0 = performance.now();
  const until = wall0 + run.seconds * 1000;
  await Promise.all(
    run.users.map(async (p, u) => {
      // Spread the first requests over the think time, as people do not all click at once.
      await new Promise((r) => setTimeout(r, (u * run.thinkMs) / run.users.length));
      for (let i = 0; performance.now() < until; i++) {
        const page = p.pages[i % p.pages.length]!;
        const navigation = run.navigations === true && i > 0;
        const start = performance.now();
        const res = await call(run.url, navigation ? `${page.path}.data` : page.path, { cookie: p.cookie }).catch(
          (err: Error) => err,
        );
        const ms = performance.now() - start;
        requests++;
        const answered =
          !(res instanceof Error) &&
          res.status === 200 &&
          (navigation ? res.headers.get("content-type")?.startsWith("text/x-script") : res.text.includes(page.expect));
        if (!answered) {
          failures++;
          const why =
            res instanceof Error
              ? String((res.cause as Error | undefined)?.message ?? res.message)
              : `HTTP ${res.status}`;
          reasons[why] = (reasons[why] ?? 0) + 1;
        } else (times[navigation ? `${page.label} (navigation)` : page.label] ??= []).push(ms);
        await new Promise((r) => setTimeout(r, run.thinkMs));
      }
    }),
  );
  return { times, requests, failures, reasons, wallMs: performance.now() - wall0 };
}
