/**
 * The requester of `npm run bench:page-cost`, in a child process of its own (its CPU is not the
 * portal's): for each message `{ url, path, cookie, n }` it makes `n` requests one after another,
 * checks each answered 200, and replies with the number that did not.
 */
process.on("message", (m: { url: string; path: string; cookie?: string; n: number }) => {
  void (async () => {
    let failed = 0;
    for (let i = 0; i < m.n; i++) {
      const res = await fetch(m.url + m.path, { headers: m.cookie ? { cookie: m.cookie } : {} });
      await res.arrayBuffer();
      if (res.status !== 200) failed++;
    }
    process.send!(failed);
  })();
});
