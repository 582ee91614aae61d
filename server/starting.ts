import type { IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * The portal listens before it is ready (its own URL must be known to start the local tenant),
 * and a request that arrives while nothing handles "request" gets no answer at all: the client
 * waits forever. Until `ready` is called, answer every request 503 with Retry-After, which a
 * browser, a load balancer or a script polling /healthz understands.
 */
export function answerWhileStarting(server: Server): {
  ready(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
} {
  const starting = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503, {
      "content-type": "text/plain; charset=utf-8",
      "retry-after": "1",
      "cache-control": "no-store",
    });
    res.end("The portal is starting. Try again in a moment.\n");
  };
  server.on("request", starting);
  return {
    ready(handler) {
      server.off("request", starting);
      server.on("request", handler);
    },
  };
}
