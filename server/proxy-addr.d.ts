// The proxy-addr package (Express's, for req.ip) ships no types: the two functions the portal uses.
declare module "proxy-addr" {
  import type { IncomingMessage } from "node:http";

  /** Whether the address `hop` steps from the portal (0: the peer) is a trusted proxy. */
  type TrustFunction = (address: string | undefined, hop: number) => boolean;

  /** The client's address: the first address, walking X-Forwarded-For back from the peer, that is not trusted. */
  function proxyaddr(req: IncomingMessage, trust: TrustFunction): string | undefined;
  namespace proxyaddr {
    /** A trust function for addresses, CIDR ranges and the names loopback, linklocal, uniquelocal. */
    function compile(value: string | string[]): TrustFunction;
  }
  export default proxyaddr;
}
