// bench-llhttp-minimal-pair: the floor for a sidecar pair built the way Weft's HTTP/1.1 pair is, one process
// per side, for the paced side-by-side: "outbound" takes plain HTTP/1.1 from the app and sends each request
// over a pooled, kept-alive mTLS connection (client certificate, server verified against the CA) to
// "inbound", a TLS server requiring client certificates that passes each request to the origin over pooled
// plain connections. Both sides parse with node's llhttp binding (pkg/proxy/h1/h1-parser.ts) reading
// straight from each socket's handle (the TLS ones included), as Weft does; one write per message (head
// and body corked). No routing, hygiene, identity check, metrics, retries, rescue or framing beyond
// Content-Length answers: what Weft's pair does on the same path, minus Weft.
// Args: <config.json> with {role, port (origin port for inbound, inbound's port for outbound), keyPem,
// certPem, caPem} (the same file as bench-node-minimal-pair.ts). Prints {"port":…, "pid":…}; exits on
// SIGTERM. Loopback only. Must not: be taken for a proxy (it trusts its input).
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer, type AddressInfo, type Socket } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer } from "node:tls";
import { METHODS, newRequestParser, newResponseParser, SocketReads } from "../../pkg/proxy/h1/h1-parser.ts";

interface Config {
  role: "inbound" | "outbound";
  port: number;
  keyPem: string;
  certPem: string;
  caPem: string;
}
const cfg = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Config;

/** One pooled upstream connection and the exchange it serves now. */
interface Up {
  sock: Socket;
  onHead: ((status: number, raw: string[]) => void) | undefined;
  onBody: ((b: Buffer) => void) | undefined;
  onDone: (() => void) | undefined;
}
const idle: Up[] = [];

/** A new upstream connection: mTLS to the inbound side (outbound role), plain TCP to the origin (inbound role). */
function newUp(): Up {
  const sock: Socket = cfg.role === "outbound"
    ? tlsConnect({ host: "127.0.0.1", port: cfg.port, servername: "server.bench", key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem })
    : netConnect({ host: "127.0.0.1", port: cfg.port, noDelay: true });
  sock.setNoDelay(true);
  const up: Up = { sock, onHead: undefined, onBody: undefined, onDone: undefined };
  const parser = newResponseParser({
    onHeadersPartial: () => {},
    onHead: (_ma, _mi, raw, _m, _u, status) => {
      up.onHead?.(status, raw ?? []);
      return 0;
    },
    onBody: (b) => up.onBody?.(b),
    onMessageComplete: () => {
      const d = up.onDone;
      up.onHead = up.onBody = up.onDone = undefined;
      idle.push(up);
      d?.();
    },
    onExecute: (ret) => {
      if (typeof ret !== "number") sock.destroy();
    },
  });
  // Like Weft's pool: once usable, the parser reads from the handle (TLSWrap or TCP).
  const reads = new SocketReads(parser, sock);
  sock.once(cfg.role === "outbound" ? "secureConnect" : "connect", () => {
    reads.consume();
    sock.resume();
  });
  sock.on("error", () => {});
  return up;
}

function headText(first: string, raw: readonly string[], extra: string): string {
  let h = first;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if ((n.length === 10 && (n.toLowerCase() === "connection" || n.toLowerCase() === "keep-alive"))) continue;
    h += `${n}: ${raw[i + 1]}\r\n`;
  }
  return `${h}${extra}\r\n`;
}

/** One downstream connection (plain from the app, or mTLS from the peer): requests to pooled upstream connections. */
function serve(sock: Socket): void {
  let up: Up | undefined;
  const parser = newRequestParser(16_384, {
    onHeadersPartial: () => {},
    onHead: (_ma, _mi, raw, method, url) => {
      const u = idle.pop() ?? newUp();
      up = u;
      u.onHead = (status, rh) => {
        sock.cork();
        sock.write(headText(`HTTP/1.1 ${status} OK\r\n`, rh, ""), "latin1");
      };
      u.onBody = (b) => sock.write(b);
      u.onDone = () => sock.uncork();
      u.sock.write(headText(`${METHODS[method]} ${url} HTTP/1.1\r\n`, raw ?? [], cfg.role === "inbound" ? "x-forwarded-for: 127.0.0.1\r\n" : ""), "latin1");
      return 0;
    },
    onBody: (b) => {
      up?.sock.write(b);
    },
    onMessageComplete: () => {},
    onExecute: (ret) => {
      if (typeof ret !== "number") sock.destroy();
    },
  });
  const reads = new SocketReads(parser, sock);
  reads.consume();
  if (!reads.consumed)
    sock.on("data", (d: Buffer) => {
      if (typeof parser.execute(d) !== "number") sock.destroy();
    });
  sock.on("error", () => {});
}

const server = cfg.role === "inbound"
  ? createTlsServer({ key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem, requestCert: true, rejectUnauthorized: true }, (s) => {
    s.setNoDelay(true);
    serve(s);
  })
  : createServer({ noDelay: true }, serve);
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
