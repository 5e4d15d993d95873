// pass-through-prod: the prototype pass-through (pass-through.ts) with Weft's production server framing
// (pkg/proxy/h2/server-conn.ts: stream states, field validation, flow control, limits) as its downstream
// face; the upstream side stays the prototype's client framing (frames.ts). Measures what the production
// server checks cost against the prototype (scenario "h2ownprod" beside "h2own").
// Takes the two origin ports; gives the listening port and a close function. Must not: carry real traffic
// (the upstream side is the benchmark prototype's).
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { CANCEL } from "../../../pkg/proxy/h2/errors.ts";
import { H2ServerConn, type H2ServerHandler, type H2ServerStream } from "../../../pkg/proxy/h2/server-conn.ts";
import { H2Conn, type H2Handler, type H2Stream } from "./frames.ts";
import type { PassThrough } from "./pass-through.ts";

type Up = H2Stream & { down?: H2ServerStream | null };

export async function startProdPassThrough(h2Port: number, grpcPort: number, host = "127.0.0.1"): Promise<PassThrough> {
  const sessions = new Map<number, H2Conn>();
  const upside: H2Handler = {
    onStream() {},
    onHeaders(up: Up, fields, endStream) {
      const d = up.down;
      if (d === undefined || d === null) return;
      if (!d.headersSent) d.conn.respond(d, fields, endStream);
      else d.conn.trailers(d, fields);
    },
    onData(up: Up, buf, start, end, endStream) {
      const d = up.down;
      if (d !== undefined && d !== null) d.conn.write(d, buf, start, end, endStream);
    },
    onReset(up: Up) {
      const d = up.down;
      if (d === undefined || d === null) return;
      up.down = null;
      d.data = null;
      d.conn.reset(d, CANCEL);
    },
    onGoaway(conn) {
      for (const [port, c] of sessions) if (c === conn) sessions.delete(port);
    },
  };
  const sessionTo = (port: number): H2Conn => {
    const s = sessions.get(port);
    if (s !== undefined && !s.closed) return s;
    const fresh = new H2Conn(connect(port, host), false, upside);
    sessions.set(port, fresh);
    return fresh;
  };
  const downside: H2ServerHandler = {
    onRequest(s, fields, endStream) {
      const port = s.head.path.startsWith("/bench.Echo/") ? grpcPort : h2Port;
      const up: Up = sessionTo(port).request(fields, endStream);
      up.down = s;
      s.data = up;
    },
    onData(s, buf, start, end, endStream) {
      const up = s.data as Up | null;
      if (up !== null) up.conn.sendData(up, buf, start, end, endStream);
    },
    onTrailers(s, fields) {
      const up = s.data as Up | null;
      if (up !== null) up.conn.sendHeaders(up, fields, true);
    },
    onReset(s) {
      const up = s.data as Up | null;
      if (up === null) return;
      s.data = null;
      up.down = null;
      up.conn.reset(up, CANCEL);
    },
  };
  const downs = new Set<H2ServerConn>();
  const server: Server = createServer((socket) => {
    const c = new H2ServerConn(socket, downside);
    downs.add(c);
    socket.once("close", () => downs.delete(c));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const c of downs) c.socket.destroy();
      for (const c of sessions.values()) c.socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
