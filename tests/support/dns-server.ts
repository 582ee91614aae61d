import { createSocket, type RemoteInfo } from "node:dgram";
import type { AddressInfo } from "node:net";

/**
 * A small authoritative DNS server on UDP (127.0.0.1, port 0) for tests: it answers TXT questions
 * from a table the test edits, NXDOMAIN for names it does not know, and NOERROR with no answer for
 * other types. Real DNS on the wire (RFC 1035), so the portal's real resolver talks to it.
 */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as DNS_SERVERS and Resolver#setServers take it. */
  address: string;
  /** TXT records by name (lower-case, no trailing dot); each record is one string. */
  txt: Map<string, string[]>;
  /** Questions received, as `TYPE name`. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_TXT = 16;
const CLASS_IN = 1;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  for (;;) {
    const len = msg[i];
    if (len === undefined) throw new Error("truncated question");
    if (len === 0) return { name: labels.join("."), end: i + 1 };
    if (len >= 0xc0) throw new Error("compressed names are not expected in a question");
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("latin1"));
    i += 1 + len;
  }
}

function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const part = bytes.subarray(i, i + 255);
    chunks.push(Buffer.from([part.length]), part);
    if (bytes.length === 0) break;
  }
  return Buffer.concat(chunks);
}

export function answer(query: Buffer, txt: Map<string, string[]>, log: string[]): Buffer {
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const key = name.toLowerCase();
  log.push(`${qtype === TYPE_TXT ? "TXT" : qtype} ${key}`);
  const records = txt.get(key);
  const known = records !== undefined;
  const answers = qtype === TYPE_TXT && records ? records : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  // QR, the query's opcode and RD, AA and RA set; RCODE 3 (NXDOMAIN) for an unknown name.
  header.writeUInt16BE(0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const parts: Buffer[] = [header, question];
  for (const value of answers) {
    const rdata = txtRdata(value);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_TXT, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(0, 6); // TTL 0: a test that changes a record sees the change at once
    rr.writeUInt16BE(rdata.length, 10);
    parts.push(rr, rdata);
  }
  return Buffer.concat(parts);
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const socket = createSocket("udp4");
  const txt = new Map<string, string[]>();
  const queries: string[] = [];
  socket.on("message", (msg: Buffer, from: RemoteInfo) => {
    let reply: Buffer;
    try {
      reply = answer(msg, txt, queries);
    } catch {
      return; // not a DNS question we understand: no answer, as a real server would drop it
    }
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    txt,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
