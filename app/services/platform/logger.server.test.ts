import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.server";
import { requestContext } from "./request-context.server";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger("info", stream) };
}

describe("logger", () => {
  it("writes JSON lines carrying the request id of the request being served", () => {
    const { lines, logger } = capture();
    requestContext.run({ requestId: "req-123" }, () => logger.info({ orgSlug: "acme" }, "did a thing"));
    expect(lines[0]).toMatchObject({ level: "info", requestId: "req-123", orgSlug: "acme", msg: "did a thing" });
  });

  it("redacts SAML keys and SECRETS_KEY as well", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        options: { signing_key: { cert: "c", key: "PRIVATE-KEY-BODY" }, decryptionKey: "dk-secret" },
        SECRETS_KEY: "k",
      },
      "options",
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain("PRIVATE-KEY-BODY");
    expect(text).not.toContain("dk-secret");
    expect(text).not.toContain('"k"');
  });

  it("redacts secrets wherever a careless call puts them", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        client_secret: "s3cret-top",
        body: { password: "hunter2", nested: { client_secret: "deep-secret" } },
        headers: { authorization: "Bearer abc.def", cookie: "__session=xyz" },
        tokens: { access_token: "at-123", id_token: "it-456" },
      },
      "request",
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of [
      "s3cret-top",
      "hunter2",
      "deep-secret",
      "Bearer abc.def",
      "__session=xyz",
      "at-123",
      "it-456",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("[redacted]");
  });
});
