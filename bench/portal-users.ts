/**
 * The simulated users of `npm run bench:portal`, in a child process of their own: started by
 * bench/portal.ts with one message (UsersRun), they send `"measuring"` when the warm-up ends and
 * answer with one message (UsersResult) and exit. Keeps the load generator off the portal's event
 * loop and out of its CPU figure.
 */
import { runSimulatedUsers, type UsersRun } from "../harness/simulated-users";

process.once("message", (run: UsersRun) => {
  runSimulatedUsers(run, () => process.send!("measuring")).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
});
