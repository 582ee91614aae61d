import { BlockList, isIP } from "node:net";

/**
 * Which addresses an outbound fetch may connect to. Everything that is not a public unicast
 * address is refused: private (RFC 1918, ULA), loopback, link-local (and with it the cloud
 * metadata endpoints 169.254.169.254 and fd00:ec2::254), CGNAT (and Alibaba's 100.100.100.200),
 * multicast, reserved and documentation ranges, and IPv6 forms that embed an IPv4 address
 * (IPv4-mapped, NAT64, 6to4, Teredo) because the embedded address could be any of the above.
 * Loopback is allowed only in local mode (the demo IdPs run on this machine).
 */
/** Refused ranges, IPv4 and IPv6, and how a refusal words each. */
const REFUSED: [cidr: string, reason: string][] = [
  ["0.0.0.0/8", "a reserved address"],
  ["10.0.0.0/8", "a private address"],
  ["100.64.0.0/10", "a carrier-grade NAT address"],
  ["169.254.0.0/16", "a link-local address (cloud metadata lives there)"],
  ["172.16.0.0/12", "a private address"],
  ["192.0.0.0/24", "a reserved address"],
  ["192.0.2.0/24", "a documentation address"],
  ["192.88.99.0/24", "a reserved address"],
  ["192.168.0.0/16", "a private address"],
  ["198.18.0.0/15", "a benchmarking address"],
  ["198.51.100.0/24", "a documentation address"],
  ["203.0.113.0/24", "a documentation address"],
  ["224.0.0.0/4", "a multicast address"],
  ["240.0.0.0/4", "a reserved address"],
  ["::/128", "the unspecified address"],
  ["64:ff9b::/96", "a NAT64 address"],
  ["64:ff9b:1::/48", "a NAT64 address"],
  ["100::/64", "a discard address"],
  ["2001::/32", "a Teredo address"],
  ["2001:db8::/32", "a documentation address"],
  ["2002::/16", "a 6to4 address"],
  ["fc00::/7", "a private (unique local) address"],
  ["fe80::/10", "a link-local address"],
  ["fec0::/10", "a site-local address"],
  ["ff00::/8", "a multicast address"],
];
// Separate lists per family: a BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules.
const refused = { ipv4: new BlockList(), ipv6: new BlockList() };
const reasons: [BlockList, string][] = [];
for (const [cidr, reason] of REFUSED) {
  const [net, prefix] = cidr.split("/") as [string, string];
  const type = isIP(net) === 6 ? "ipv6" : "ipv4";
  const list = new BlockList();
  list.addSubnet(net, Number(prefix), type);
  refused[type].addSubnet(net, Number(prefix), type);
  reasons.push([list, reason]);
}
const loopbackV4 = new BlockList();
loopbackV4.addSubnet("127.0.0.0", 8, "ipv4");
const isLoopback = (address: string, family: number) =>
  family === 6 ? canonicalV6(address) === "::1" : loopbackV4.check(address, "ipv4");

/** The compressed canonical form of an IPv6 address (`::ffff:127.0.0.1` → `::ffff:7f00:1`). */
function canonicalV6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export type AddressVerdict = { allowed: true; loopback: boolean } | { allowed: false; reason: string };

export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && isLoopback(address, family);
}

export function checkAddress(address: string, opts: { allowLoopback: boolean }): AddressVerdict {
  const family = isIP(address);
  if (family === 0) return { allowed: false, reason: "not an IP address" };
  if (family === 6 && /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(canonicalV6(address))) {
    return { allowed: false, reason: "an IPv4-mapped address" };
  }
  const type = family === 6 ? "ipv6" : "ipv4";
  if (isLoopback(address, family)) {
    return opts.allowLoopback
      ? { allowed: true, loopback: true }
      : { allowed: false, reason: "a loopback address (this server itself)" };
  }
  if (address === "255.255.255.255") return { allowed: false, reason: "the broadcast address" };
  if (refused[type].check(address, type)) {
    const reason = reasons.find(([list]) => list.check(address, type))?.[1] ?? "an internal address";
    return { allowed: false, reason };
  }
  return { allowed: true, loopback: false };
}
