// bench-h1-own-minimal-pair: bench-llhttp-minimal-pair.ts (the floor for a sidecar pair built the way Weft's
// HTTP/1.1 pair is) with the messages parsed in JS instead of by node's llhttp binding — a benchmark
// PROTOTYPE (h1-own/pass-through.ts, h1-own/h1-scan.ts), not production parsing, for the paced side-by-side
// (scenario h1-own-minimal-mtls-pair). "outbound" takes plain HTTP/1.1 from the app and sends each request over
// a pooled, kept-alive mTLS connection (client certificate, server verified against the CA) to "inbound", a
// TLS server requiring client certificates that passes each request to the origin over pooled plain
// connections. Every socket, TLS or not, reads into one reused buffer (`onread` for dialled ones, the same
// slots for accepted ones: pkg/proxy/h1/user-buffer-reads.ts); one write per message. No routing, hygiene,
// identity check, metrics, retries or rescue: what the llhttp floor pair does, parsed differently.
// Args: <config.json> with {role, port (origin port for inbound, inbound's port for outbound), keyPem,
// certPem, caPem} (the same file as bench-llhttp-minimal-pair.ts). Prints {"port":…, "pid":…}; exits on
// SIGTERM. Loopback only. Must not: be taken for a proxy (it trusts its input).
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer, type AddressInfo, type Socket } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions } from "node:tls";
import { passThrough } from "./h1-own/pass-through.ts";
import { UserBufferReads } from "../../pkg/proxy/h1/user-buffer-reads.ts";

interface Config {
  role: "inbound" | "outbound";
  port: number;
  keyPem: string;
  certPem: string;
  caPem: string;
}
const cfg = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Config;
/** One read buffer for every socket: a read is parsed (and what must outlive it copied) before the next. */
const readBuf = Buffer.allocUnsafe(65_536);

const serve = passThrough({
  dial: (feed) => {
    const onread = { buffer: readBuf, callback: (n: number) => feed(readBuf, 0, n) };
    const sock: Socket = cfg.role === "outbound"
      ? tlsConnect({ host: "127.0.0.1", port: cfg.port, servername: "server.bench", key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem, onread } as ConnectionOptions)
      : netConnect({ host: "127.0.0.1", port: cfg.port, noDelay: true, onread });
    sock.setNoDelay(true);
    return sock;
  },
  extraRequest: cfg.role === "inbound" ? "x-forwarded-for: 127.0.0.1\r\n" : "",
  dropKeepAlive: true,
});

function accept(sock: Socket): void {
  const feed = serve(sock);
  UserBufferReads.attach(sock, (buf, n) => feed(buf, 0, n));
}

const server = cfg.role === "inbound"
  ? createTlsServer({ key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem, requestCert: true, rejectUnauthorized: true }, (s) => {
    s.setNoDelay(true);
    accept(s);
  })
  : createServer({ noDelay: true }, accept);
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
