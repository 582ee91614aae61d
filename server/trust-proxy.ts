import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import type { TrustProxy } from "~/services/platform/env.server";

/** Whether the address `hop` steps from the portal (0: the peer) is a proxy TRUST_PROXY believes. */
export type TrustFunction = (address: string | undefined, hop: number) => boolean;

/**
 * TRUST_PROXY as Express's "trust proxy" setting compiled it (express/lib/utils.js compileTrust):
 * `true` trusts every hop, a number that many hops, a list those addresses, CIDR ranges and named
 * subnets (loopback, linklocal, uniquelocal); `false`, `0` and `[]` trust nobody.
 */
export function compileTrust(value: TrustProxy): TrustFunction {
  if (trustsNobody(value)) return trustNobody;
  if (value === true) return () => true;
  if (typeof value === "number") return (_address, hop) => hop < value;
  return proxyaddr.compile(value === false ? [] : value);
}

/** What compileTrust gives for a setting that trusts nobody: clientAddress knows it by identity. */
const trustNobody: TrustFunction = () => false;

/**
 * The client's address as Express's `req.ip` gave it: the peer, or — when the peer is a trusted
 * proxy — the X-Forwarded-For entry the trusted proxies name.
 */
export function clientAddress(req: IncomingMessage, trust: TrustFunction): string | undefined {
  // Trusting nobody, proxy-addr would answer the peer's address whatever X-Forwarded-For says, after parsing it.
  return trust === trustNobody ? req.socket.remoteAddress : proxyaddr(req, trust);
}

/** Whether a TRUST_PROXY value trusts nobody at all. */
export function trustsNobody(value: TrustProxy): boolean {
  return value === false || value === 0 || (Array.isArray(value) && value.length === 0);
}
