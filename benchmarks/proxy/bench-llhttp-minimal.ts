// bench-llhttp-minimal: the floor for a node proxy built the way Weft's HTTP/1.1 path is — node's llhttp
// binding (pkg/proxy/h1-parser) reading straight from the downstream socket handle, kept-alive upstream
// sockets — with no routing, hygiene, metrics, rescue or framing beyond Content-Length answers. The
// benchmark runs it beside Weft so the cost of Weft's stack over the bare mechanism is visible.
// LLHTTP_UP_READS=consume reads the upstream side from its handle too (as Weft's pool does).
// Args: <originPort>. Prints {"port":…, "pid":…}; exits on SIGTERM.
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { METHODS, newRequestParser, newResponseParser, SocketReads } from "../../pkg/proxy/h1/h1-parser.ts";

const target = Number(process.argv[2]);
/** LLHTTP_UP_READS=consume: the upstream parser reads from the socket's handle too (Weft's way), not through "data" events. */
const upConsume = process.env.LLHTTP_UP_READS === "consume";

interface Up {
  sock: Socket;
  onHead: ((status: number, raw: string[]) => void) | undefined;
  onBody: ((b: Buffer) => void) | undefined;
  onDone: (() => void) | undefined;
}
const idle: Up[] = [];

function newUp(): Up {
  const sock = connect({ port: target, host: "127.0.0.1", noDelay: true });
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
    onExecute: () => {},
  });
  if (upConsume) {
    // As Weft's pool does: once connected, the parser reads from the handle (no "data" event per read).
    const reads = new SocketReads(parser, sock);
    sock.once("connect", () => {
      reads.consume();
      sock.resume();
    });
  } else sock.on("data", (d: Buffer) => parser.execute(d));
  sock.on("error", () => {});
  return up;
}

function headText(first: string, raw: readonly string[], extra: string): string {
  let h = first;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 10 && n.toLowerCase() === "connection") continue;
    h += `${n}: ${raw[i + 1]}\r\n`;
  }
  return `${h}${extra}\r\n`;
}

const server = createServer({ noDelay: true }, (sock) => {
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
      u.sock.write(headText(`${METHODS[method]} ${url} HTTP/1.1\r\n`, raw ?? [], "x-forwarded-for: 127.0.0.1\r\n"), "latin1");
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
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
