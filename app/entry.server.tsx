import { Writable } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "./components/nonce";

const ABORT_DELAY = 5_000;

/**
 * Every document is rendered whole, then sent as one body. The portal defers nothing (no `defer`,
 * no `<Await>`), so streaming the shell first gained nothing: it only cost a Node stream turned
 * into a web stream and back and a socket write per chunk. Whole, a signed-in page costs 0.89–0.92
 * of the CPU (BENCHMARKS.md, "Whole documents, one write"). Remix's single-fetch data still
 * suspends inside the render (its `<script>` transfer), hence `onAllReady` rather than
 * `renderToString`.
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce ?? "";
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const chunks: Buffer[] = [];
    const body = new Writable({
      // No 'close' after 'finish': React's pipe treats a close as the client gone and ends the stream a second
      // time, which made Node build an error (a stack trace) for every document.
      emitClose: false,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    body.on("finish", () => {
      clearTimeout(timer);
      responseHeaders.set("Content-Type", "text/html; charset=utf-8");
      resolve(new Response(Buffer.concat(chunks), { headers: responseHeaders, status: responseStatusCode }));
    });
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceProvider>,
      {
        nonce,
        onShellReady() {
          shellRendered = true;
        },
        onAllReady() {
          pipe(body);
        },
        onShellError(error: unknown) {
          clearTimeout(timer);
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // An error in the shell rejects (onShellError) and Remix logs it; log only the later ones.
          if (shellRendered) console.error(error);
        },
      },
    );
    // A render still waiting after this long is cut short (what is pending renders on the client).
    const timer = setTimeout(abort, ABORT_DELAY);
  });
}
