import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A tiny real SMTP server for tests (RFC 5321 subset: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA,
 * RSET, NOOP, QUIT) on a free port. It keeps every message it accepted, and can be told to refuse
 * mail (a temporary 451) or to drop connections, to see how the mailer copes with a failing server.
 */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message (headers and body) as the client sent it, dot-unstuffed. */
  data: string;
  user: string | null;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** "accept" (default), "refuse" (451 to MAIL FROM), "drop" (close the connection at once). */
  mode: "accept" | "refuse" | "drop";
  /** Resolves when at least `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(credentials?: { user: string; pass: string }): Promise<SmtpSink> {
  const sockets = new Set<Socket>();
  const waiters: (() => void)[] = [];
  const sink = { received: [] as ReceivedMail[], mode: "accept" as SmtpSink["mode"] };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    if (sink.mode === "drop") {
      socket.destroy();
      return;
    }
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let user: string | null = null;
    let mail: { from: string; to: string[] } | null = null;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 sink.test ESMTP ready");

    const command = (line: string) => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO") {
        socket.write("250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n");
      } else if (verb === "HELO") reply("250 sink.test");
      else if (verb === "AUTH") {
        const [, mech, initial] = line.split(" ");
        const decoded = Buffer.from(initial ?? "", "base64")
          .toString("utf8")
          .split("\0");
        if (
          mech?.toUpperCase() !== "PLAIN" ||
          !credentials ||
          decoded[1] !== credentials.user ||
          decoded[2] !== credentials.pass
        ) {
          reply("535 5.7.8 Authentication credentials invalid");
        } else {
          user = decoded[1]!;
          reply("235 2.7.0 Authentication successful");
        }
      } else if (verb === "MAIL") {
        if (credentials && !user) reply("530 5.7.0 Authentication required");
        else if (sink.mode === "refuse") reply("451 4.3.0 Mail server temporarily unavailable");
        else {
          mail = { from: /<([^>]*)>/.exec(line)?.[1] ?? "", to: [] };
          reply("250 2.1.0 OK");
        }
      } else if (verb === "RCPT") {
        if (!mail) reply("503 5.5.1 MAIL first");
        else {
          mail.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          reply("250 2.1.5 OK");
        }
      } else if (verb === "DATA") {
        if (!mail || mail.to.length === 0) reply("503 5.5.1 RCPT first");
        else {
          inData = true;
          reply("354 End data with <CR><LF>.<CR><LF>");
        }
      } else if (verb === "RSET") {
        mail = null;
        reply("250 2.0.0 OK");
      } else if (verb === "NOOP") reply("250 2.0.0 OK");
      else if (verb === "QUIT") {
        reply("221 2.0.0 Bye");
        socket.end();
      } else reply("502 5.5.2 Command not recognized");
    };

    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const data = buffer.slice(0, end).replace(/^\.\./gm, ".");
          buffer = buffer.slice(end + 5);
          inData = false;
          sink.received.push({ from: mail!.from, to: mail!.to, data, user });
          mail = null;
          reply("250 2.0.0 Queued");
          for (const w of waiters.splice(0)) w();
          continue;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        command(line);
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@` : "";
  return {
    url: `smtp://${auth}127.0.0.1:${port}`,
    port,
    get received() {
      return sink.received;
    },
    get mode() {
      return sink.mode;
    },
    set mode(m) {
      sink.mode = m;
    },
    waitFor: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (sink.received.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: ${sink.received.length} of ${count} messages arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
        });
      }
      return sink.received;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
