// bench-tls-pipe-pair: the absolute floor for any Node sidecar pair, one process per side, for the paced
// side-by-side: a byte pipe with NO HTTP work. "outbound" accepts plain TCP from the app and pipes each
// connection's bytes over its own mTLS connection (client certificate, server verified against the CA) to
// "inbound", a TLS server requiring client certificates that pipes each connection to the origin over its
// own plain connection. One upstream connection per downstream one (the load generator keeps its
// connections alive, so after warm-up no handshake is in the measured part). Two ways to move the bytes:
//   reads "pipe":   stream.pipe both ways ("data" events, one Buffer per read);
//   reads "onread": every socket reads into one reused buffer (`onread` for dialled sockets, the same slots
//                   for accepted ones: pkg/proxy/h1/user-buffer-reads.ts), each read written on at once.
// `tls: false` makes the hop between the sides plain TCP (no TLS): separates TLS's cost from the event
// loop's. `ciphers` (optional, TLS 1.3 suite names) restricts both sides' suites, as --tls-cipher-list would.
// Args: <config.json> with {role, port (origin port for inbound, inbound's port for outbound), keyPem,
// certPem, caPem, reads, tls, ciphers?}. Prints {"port":…, "pid":…}, then (inbound, TLS) once {"cipher":…,
// "protocol":…} of its first mesh connection; exits on SIGTERM. Loopback only.
// Must not: be taken for a proxy (it trusts its input); hold a read's bytes past its callback (a write that
// cannot complete at once from the shared buffer closes both sockets instead: the generator counts errors).
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer, type AddressInfo, type Socket } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from "node:tls";
import { UserBufferReads } from "../../pkg/proxy/h1/user-buffer-reads.ts";

interface Config {
  role: "inbound" | "outbound";
  port: number;
  keyPem: string;
  certPem: string;
  caPem: string;
  reads: "pipe" | "onread";
  tls: boolean;
  ciphers?: string;
}
const cfg = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Config;
const ciphers = cfg.ciphers !== undefined ? { ciphers: cfg.ciphers } : {};

/**
 * Writes buf[0, n) to `to`, valid only now. TLS encrypts at once (the cleartext is consumed); a plain
 * socket's write that does not complete at once keeps a reference to what it was given, so a plain socket
 * gets a copy of a large read (over 4 KiB: a body, not the benchmark's heads) or when its writes queue, and
 * a small write that still did not complete at once is refused.
 */
function forward(from: Socket, to: Socket, buf: Buffer, n: number): void {
  if (to.destroyed) return void from.destroy();
  const plain = (to as TLSSocket).encrypted !== true;
  const copy = to.writableLength > 0 || (plain && n > 4096);
  to.write(copy ? Buffer.from(buf.subarray(0, n)) : buf.subarray(0, n));
  if (!copy && plain && to.writableLength > 0) {
    to.destroy();
    from.destroy();
  }
}

/** Joins a downstream socket to its upstream one, both ways, once the upstream is usable. */
function join(down: Socket, up: Socket, ready: string): void {
  down.setNoDelay(true);
  up.setNoDelay(true);
  const close = () => {
    down.destroy();
    up.destroy();
  };
  down.on("error", close).on("close", close);
  up.on("error", close).on("close", close);
  if (cfg.reads === "pipe") {
    down.pipe(up);
    up.once(ready, () => up.pipe(down));
    return;
  }
  // Downstream bytes that arrive before the upstream is ready wait in the stream (paused), then go first.
  down.pause();
  up.once(ready, () => {
    if (UserBufferReads.attach(up, (b, n) => forward(up, down, b, n)) === undefined) up.on("data", (d: Buffer) => down.write(d));
    const r = UserBufferReads.attach(down, (b, n) => forward(down, up, b, n));
    if (r === undefined) down.on("data", (d: Buffer) => up.write(d)).resume();
    else r.resume();
  });
}

/** A new upstream connection: to the inbound side (outbound role; mTLS unless `tls: false`), plain TCP to the origin (inbound role). */
function dial(): { sock: Socket; ready: string } {
  const host = "127.0.0.1";
  if (cfg.role === "outbound" && cfg.tls) {
    return { sock: tlsConnect({ host, port: cfg.port, servername: "server.bench", key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem, ...ciphers }), ready: "secureConnect" };
  }
  return { sock: netConnect({ host, port: cfg.port, noDelay: true }), ready: "connect" };
}

let logged = false;
const serve = (down: Socket) => {
  if (!logged && (down as TLSSocket).encrypted === true) {
    logged = true;
    const t = down as TLSSocket;
    process.stdout.write(`${JSON.stringify({ cipher: t.getCipher().standardName, protocol: t.getProtocol() })}\n`);
  }
  const { sock, ready } = dial();
  join(down, sock, ready);
};
const server = cfg.role === "inbound" && cfg.tls
  ? createTlsServer({ key: cfg.keyPem, cert: cfg.certPem, ca: cfg.caPem, requestCert: true, rejectUnauthorized: true, ...ciphers }, serve)
  : createServer({ noDelay: true }, serve);
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
