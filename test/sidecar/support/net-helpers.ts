// net-helpers: small bounded loopback clients and servers for sidecar tests.
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";

export interface Exchange {
  readonly received: string;
  /** "end" = the peer half-closed cleanly; "closed" = reset or closed without FIN. */
  readonly how: "end" | "closed";
}

/** Connect, send `data` (then FIN unless keepOpen), collect everything until the peer ends or 5 s pass. */
export function exchange(port: number, localAddress: string, data: string, host = "127.0.0.1"): Promise<Exchange> {
  return new Promise((resolve) => {
    const s = connect({ host, port, localAddress, allowHalfOpen: true });
    let received = "";
    let settled = false;
    const done = (how: Exchange["how"]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ received, how });
    };
    const timer = setTimeout(() => done("closed"), 5_000);
    s.on("connect", () => {
      if (data.length > 0) s.write(data, "latin1");
      s.end();
    });
    s.on("data", (c: Buffer) => {
      received += c.toString("latin1");
    });
    s.on("end", () => done("end"));
    s.on("error", () => done("closed"));
    s.on("close", () => done("closed"));
  });
}

/** Connect, stay silent for `silentMs` (a connection opened ahead of use), then send `data` and FIN; collect until the peer ends (bounded: 5 s). */
export function exchangeAfterSilence(port: number, localAddress: string, data: string, silentMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port, localAddress, allowHalfOpen: true });
    let received = "";
    let settled = false;
    let wait: NodeJS.Timeout | undefined;
    const done = (how: Exchange["how"]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(wait);
      s.destroy();
      resolve({ received, how });
    };
    const timer = setTimeout(() => done("closed"), 5_000 + silentMs);
    s.on("connect", () => {
      wait = setTimeout(() => {
        s.write(data, "latin1");
        s.end();
      }, silentMs);
    });
    s.on("data", (c: Buffer) => {
      received += c.toString("latin1");
    });
    s.on("end", () => done("end"));
    s.on("error", () => done("closed"));
    s.on("close", () => done("closed"));
  });
}

/** Connect, send `data` without FIN, and return what arrives until the peer closes (bounded: 5 s). */
export function exchangeNoFin(port: number, localAddress: string, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port, localAddress });
    let received = "";
    const timer = setTimeout(() => s.destroy(), 5_000);
    s.on("connect", () => s.write(data, "latin1"));
    s.on("data", (c: Buffer) => {
      received += c.toString("latin1");
    });
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

/** One HTTP/1.1 request over a raw socket; returns status and body ("" / 0 when the peer closed). */
export function rawHttp(port: number, localAddress: string, path = "/", host = "127.0.0.1"): Promise<{ status: number; body: string }> {
  return exchange(port, localAddress, `GET ${path} HTTP/1.1\r\nHost: svc.test\r\nConnection: close\r\n\r\n`, host).then(parseResponse);
}

export function parseResponse(x: { received: string }): { status: number; body: string } {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(x.received);
  const sep = x.received.indexOf("\r\n\r\n");
  return { status: m ? Number(m[1]) : 0, body: sep >= 0 ? x.received.slice(sep + 4) : "" };
}

/** A TLS client over a TCP connection from `localAddress` (tls.connect's types lack localAddress). */
export function tlsFrom(host: string, port: number, localAddress: string, opts: ConnectionOptions): TLSSocket {
  const tcp = connect({ host, port, localAddress });
  return tlsConnect({ ...opts, socket: tcp, checkServerIdentity: () => undefined });
}

/** HTTP/1.1 over TLS with the given options; status 0 when the handshake or connection failed. */
export function tlsHttp(
  target: { host: string; port: number; localAddress: string },
  opts: ConnectionOptions,
  path = "/",
): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const s = tlsFrom(target.host, target.port, target.localAddress, opts);
    let received = "";
    let settled = false;
    const done = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const r = parseResponse({ received });
      resolve(error === undefined || r.status !== 0 ? r : { ...r, error });
    };
    const timer = setTimeout(() => done("timeout"), 5_000);
    s.on("secureConnect", () => s.write(`GET ${path} HTTP/1.1\r\nHost: svc.test\r\nConnection: close\r\n\r\n`));
    s.on("data", (c: Buffer) => {
      received += c.toString("latin1");
    });
    s.on("end", () => done());
    s.on("error", (e) => done(e.message));
    s.on("close", () => done("closed"));
  });
}

/** A TCP server that optionally greets first, then echoes and half-closes when the client does. */
export async function startEchoServer(banner = ""): Promise<{ port: number; server: Server }> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on("error", () => {});
    if (banner) s.write(banner);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, server };
}

/** Poll `pred` every 10 ms until it holds or `ms` pass (bounded); returns whether it held. */
export async function waitUntil(pred: () => boolean, ms = 3_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
