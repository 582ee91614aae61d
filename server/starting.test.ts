import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { answerWhileStarting } from "./starting";

const server = createServer();
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("answerWhileStarting", () => {
  it("answers 503 with Retry-After until ready, then only the real handler answers", async () => {
    const startup = answerWhileStarting(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    const early = await fetch(url, { signal: AbortSignal.timeout(5000) });
    expect(early.status).toBe(503);
    expect(early.headers.get("retry-after")).toBe("1");
    expect(await early.text()).toMatch(/starting/);
    startup.ready((_req, res) => res.end("ok"));
    const later = await fetch(url, { signal: AbortSignal.timeout(5000) });
    expect(later.status).toBe(200);
    expect(await later.text()).toBe("ok");
    expect(server.listenerCount("request")).toBe(1);
  });
});
