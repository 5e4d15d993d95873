// bench-h1-own-minimal: a benchmark PROTOTYPE, not production parsing — the same bare HTTP/1.1 pass-through
// as bench-llhttp-minimal.ts (keep-alive both sides, pooled upstream connections, heads re-rendered from
// their fields without `connection`, `x-forwarded-for` added, Content-Length and chunked bodies relayed)
// with the messages parsed in JS from the bytes read (h1-own/h1-scan.ts, relay in h1-own/pass-through.ts)
// instead of by node's llhttp binding, to measure what own parsing could save before anyone commits to it
// (issue #18 goal 3; scenario "h1-own-minimal", BENCH_ONLY=h1-own-minimal:http1).
// Reads: both sides into one reused buffer (the upstream socket through net.connect's `onread`, the accepted
// one through the same slots, pkg/proxy/h1/user-buffer-reads.ts, as the proxy reads): one JS call per read, no Buffer per read, no
// "data" event. H1OWN_READS=data reads both through "data" events instead (measured slower: docs/proxy.md).
// Args: <originPort>. Prints {"port":…, "pid":…}; exits on SIGTERM. Loopback only.
import { connect, createServer, type AddressInfo } from "node:net";
import { passThrough } from "./h1-own/pass-through.ts";
import { UserBufferReads } from "../../pkg/proxy/h1/user-buffer-reads.ts";

const target = Number(process.argv[2]);
const viaData = process.env.H1OWN_READS === "data";
/** One read buffer for every socket: a read is parsed (and what must outlive it copied) before the next. */
const readBuf = Buffer.allocUnsafe(65_536);

const serve = passThrough({
  dial: (feed) => {
    if (!viaData) return connect({ port: target, host: "127.0.0.1", noDelay: true, onread: { buffer: readBuf, callback: (n) => feed(readBuf, 0, n) } });
    const s = connect({ port: target, host: "127.0.0.1", noDelay: true });
    s.on("data", (d: Buffer) => feed(d, 0, d.length));
    return s;
  },
  extraRequest: "x-forwarded-for: 127.0.0.1\r\n",
  dropKeepAlive: false,
});

const server = createServer({ noDelay: true }, (sock) => {
  const feed = serve(sock);
  if (viaData) sock.on("data", (d: Buffer) => feed(d, 0, d.length));
  else UserBufferReads.attach(sock, (buf, n) => feed(buf, 0, n));
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
