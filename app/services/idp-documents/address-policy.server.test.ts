import { describe, expect, it } from "vitest";
import { checkAddress } from "./address-policy.server";

describe("checkAddress", () => {
  it.each([
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.100.100.200",
    "169.254.169.254",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.10",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:8.8.8.8",
    "64:ff9b::a00:1",
    "2002:a00:1::",
    "fd00:ec2::254",
    "fc00::1",
    "fe80::1",
    "ff02::1",
  ])("refuses %s", (address) => {
    expect(checkAddress(address, { allowLoopback: true }).allowed).toBe(false);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001:81a::200e"])(
    "allows the public address %s",
    (address) => {
      expect(checkAddress(address, { allowLoopback: false })).toEqual({ allowed: true, loopback: false });
    },
  );

  it("allows loopback only when asked (local mode)", () => {
    for (const address of ["127.0.0.1", "127.9.9.9", "::1"]) {
      expect(checkAddress(address, { allowLoopback: false }).allowed).toBe(false);
      expect(checkAddress(address, { allowLoopback: true })).toEqual({ allowed: true, loopback: true });
    }
  });

  it("names the reason in words", () => {
    expect(checkAddress("169.254.169.254", { allowLoopback: false })).toEqual({
      allowed: false,
      reason: "a link-local address (cloud metadata lives there)",
    });
    expect(checkAddress("not-an-ip", { allowLoopback: false }).allowed).toBe(false);
  });
});
