import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A demo IdP's HTTP server on 127.0.0.1, its public URL (`http://<hostname>:<port>`) and its close. */
export interface LocalListener {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0: any free one); the requests are for the caller to handle. */
export async function listenLocal(port = 0, hostname = "localhost"): Promise<LocalListener> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const url = `http://${hostname}:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
