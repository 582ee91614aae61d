/** What the HTTP server hands every loader and action (server/app.ts builds it). */
declare module "@remix-run/node" {
  interface AppLoadContext {
    requestId: string;
    cspNonce: string;
  }
}
export {};
