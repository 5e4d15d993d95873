// h2-own-server: a small h2c server on Weft's own HTTP/2 framing (pkg/proxy/h2) for conformance and
// hostile-input tests — GET (and any request without a body) is answered 200 with a short body once the
// request ends, a request with a body gets it echoed back (in one piece when it came whole with its head,
// onWholeRequest; else streamed as it arrives; the request's receive
// window reopens only as its echo leaves, so a peer that does not read holds at most one window a stream). Counts requests
// answered and keeps every live connection so tests can look at them.
// Takes optional limits; gives the port, the connections and a close function. Runs in-process or, as a
// script (`node test/support/h2-own-server.ts`), prints {"port":…} for h2spec. Loopback only.
import { createServer, type AddressInfo, type Server } from "node:net";
import { H2ServerConn, type H2ServerHandler, type H2ServerStream } from "../../pkg/proxy/h2/server-conn.ts";
import { resolveH2Limits, type H2Limits } from "../../pkg/proxy/h2/limits.ts";

export const OWN_BODY = Buffer.from("hello from weft's own h2 framing\n");

export interface OwnH2Server {
  readonly port: number;
  readonly conns: Set<H2ServerConn>;
  /** Requests answered (a response HEADERS sent). */
  answered: number;
  close(): Promise<void>;
}

export async function startOwnH2Server(limits?: Partial<H2Limits>): Promise<OwnH2Server> {
  const resolved = resolveH2Limits(limits);
  const conns = new Set<H2ServerConn>();
  const state: OwnH2Server = { port: 0, conns, answered: 0, close: async () => {} };
  const answer = (s: H2ServerStream, echo: boolean): void => {
    if (s.headersSent) return;
    state.answered++;
    s.conn.respond(s, [":status", "200", "content-type", "text/plain"], false);
    if (!echo) s.conn.write(s, OWN_BODY, 0, OWN_BODY.length, true);
  };
  const handler: H2ServerHandler = {
    onRequest(s, _fields, endStream) {
      if (endStream) answer(s, false);
      else {
        // Echo with back-pressure: the request's window reopens only as its echo leaves.
        s.autoConsume = false;
        s.data = 0;
      }
    },
    onWholeRequest(s, _fields, _never, body) {
      // The body came whole with the head: echoed, and the answer ends with it.
      answer(s, true);
      s.conn.write(s, body, 0, body.length, true);
    },
    onData(s, buf, start, end, endStream) {
      answer(s, true);
      s.conn.write(s, buf, start, end, endStream);
      if (s.pending === null) s.conn.consume(s, end - start);
      else s.data = (s.data as number) + end - start;
    },
    onWritable(s) {
      s.conn.consume(s, s.data as number);
      s.data = 0;
    },
    onTrailers(s) {
      if (!s.headersSent) answer(s, false);
      else s.conn.write(s, buf0, 0, 0, true);
    },
    onReset() {},
  };
  const buf0 = Buffer.alloc(0);
  const server: Server = createServer((socket) => {
    const c = new H2ServerConn(socket, handler, resolved);
    conns.add(c);
    socket.once("close", () => conns.delete(c));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  (state as { port: number }).port = (server.address() as AddressInfo).port;
  state.close = async () => {
    for (const c of conns) c.socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

if (import.meta.main) {
  const s = await startOwnH2Server();
  process.stdout.write(`${JSON.stringify({ port: s.port, pid: process.pid })}\n`);
  process.on("SIGTERM", () => process.exit(0));
}
