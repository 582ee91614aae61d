import { createRequire } from "node:module";
import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import { describe, expect, it } from "vitest";
import type { TrustProxy } from "~/services/platform/env.server";
import { clientAddress, compileTrust, trustsNobody } from "./trust-proxy";

// Express's own compileTrust ("trust proxy" setting → function), which req.ip used until ADR 026.
const expressUtils = createRequire(import.meta.url)("express/lib/utils.js") as {
  compileTrust(value: unknown): (address: string | undefined, hop: number) => boolean;
};

const settings: TrustProxy[] = [
  false,
  true,
  0,
  1,
  2,
  [],
  ["loopback"],
  ["uniquelocal", "loopback"],
  ["10.0.0.0/8"],
  ["203.0.113.7", "::1"],
  ["linklocal"],
];
const peers = ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.1.2.3", "203.0.113.7", "198.51.100.4", undefined];
const forwardedFor = [
  undefined,
  "",
  "198.51.100.9",
  "198.51.100.9, 10.0.0.5",
  "garbage, 127.0.0.1",
  " 2001:db8::1 ,10.9.9.9 ",
];

function request(peer: string | undefined, xff: string | undefined): IncomingMessage {
  return {
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
  } as unknown as IncomingMessage;
}

describe("TRUST_PROXY compiled as Express compiled it", () => {
  it("gives the address Express's req.ip gave, for every setting, peer and X-Forwarded-For", () => {
    for (const setting of settings) {
      const ours = compileTrust(setting);
      const express = expressUtils.compileTrust(setting);
      for (const peer of peers) {
        for (const xff of forwardedFor) {
          const req = request(peer, xff);
          const label = `${JSON.stringify(setting)} ${peer} ${xff}`;
          expect(clientAddress(req, ours), label).toBe(proxyaddr(req, express));
          expect(ours(peer, 0), label).toBe(express(peer, 0));
        }
      }
    }
  });

  it("trusts nobody for false, 0 and an empty list only", () => {
    expect(settings.filter(trustsNobody)).toEqual([false, 0, []]);
  });
});
