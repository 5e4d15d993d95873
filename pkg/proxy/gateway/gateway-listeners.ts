// gateway-listeners: the gateway face. From a GatewayIR it opens one TCP listener per port: HTTP ports
// hand plain sockets to the engine; HTTPS ports terminate TLS with the certificate of the listener chosen
// by SNI (SNICallback over ir.secrets; ALPN h2 + http/1.1) and hand the TLS socket on. Each request is
// routed only with the routes of the listener selected by its Host (listener isolation, spec §6/§7:
// no listener ⇒ 404); on HTTPS a Host whose best listener differs from the SNI-chosen one ⇒ 421.
// Config swaps keep open listeners whose port and protocol are unchanged. A port that cannot be bound
// (EACCES below ip_unprivileged_port_start, EADDRINUSE) is logged and reported by bindFailures() — the
// proxy is not ready while one is — and tried again at the next apply.
// Takes the engine and IR; gives bound ports, bind failures and close(). Must not: log key material,
// or serve a certificate for a name no listener claims.
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { createSecureContext, createServer as createTlsServer, type SecureContext, type Server as TlsServer, type TLSSocket } from "node:tls";
import type { GatewayIR, ListenerIR, TlsSecretIR } from "../../ir/types.ts";
import type { HttpEngine, RouteContext, RouteResolution } from "../engine-types.ts";
import { compileGateway, listenerForSni, selectListener, type CompiledGateway } from "../router-bridge.ts";

export interface GatewayListenersOptions {
  readonly engine: HttpEngine;
  /** Bind address (default 0.0.0.0). */
  readonly host?: string;
  /** Where to bind a Gateway port (tests and unprivileged runs map 80 ⇒ 0 or 8080). Default: identity. */
  readonly portMap?: (port: number) => number;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

interface OpenPort {
  readonly port: number;
  readonly protocol: "HTTP" | "HTTPS";
  readonly server: NetServer | TlsServer;
  boundPort: number;
}

export class GatewayListeners {
  private readonly opts: GatewayListenersOptions;
  private compiled: CompiledGateway | undefined;
  private secrets = new Map<string, TlsSecretIR>();
  private contexts = new Map<string, SecureContext>();
  private readonly open = new Map<number, OpenPort>();
  private readonly failed = new Map<number, string>();

  constructor(opts: GatewayListenersOptions) {
    this.opts = opts;
  }

  /** Bound local port for a Gateway port (after apply). */
  boundPort(gatewayPort: number): number | undefined {
    return this.open.get(gatewayPort)?.boundPort;
  }

  /** Gateway ports of the last apply that could not be bound, with the error ("EACCES: permission denied 0.0.0.0:80"). */
  bindFailures(): ReadonlyMap<number, string> {
    return this.failed;
  }

  /** Bring listeners in line with `gw`; resolves when every new port is bound or has failed (bindFailures). */
  async apply(gw: GatewayIR, secrets: readonly TlsSecretIR[]): Promise<void> {
    this.compiled = compileGateway(gw);
    this.secrets = new Map(secrets.map((s) => [s.id, s]));
    this.contexts = new Map();
    const wanted = new Map(gw.ports.map((p) => [p.port, p.protocol]));
    this.failed.clear();
    for (const [port, o] of this.open) {
      if (wanted.get(port) !== o.protocol) {
        o.server.close();
        this.open.delete(port);
      }
    }
    const opening: Promise<void>[] = [];
    for (const [port, protocol] of wanted) {
      if (this.open.has(port)) continue;
      const server = protocol === "HTTPS" ? this.httpsServer(port) : this.httpServer(port);
      const o: OpenPort = { port, protocol, server, boundPort: 0 };
      this.open.set(port, o);
      opening.push(new Promise<void>((resolve) => {
        // A port that cannot be bound is forgotten, so the next apply tries it again.
        server.once("error", (e: Error) => {
          if (this.open.get(port) === o) this.open.delete(port);
          this.failed.set(port, e.message);
          this.opts.log?.("gateway.listener_bind_failed", { port, error: e.message });
          resolve();
        });
        server.listen((this.opts.portMap ?? ((p) => p))(port), this.opts.host ?? "0.0.0.0", () => {
          server.removeAllListeners("error");
          server.on("error", (e: Error) => this.opts.log?.("gateway.listener_error", { port, error: e.message }));
          o.boundPort = (server.address() as AddressInfo).port;
          resolve();
        });
      }));
    }
    await Promise.all(opening);
    // Clients that send no SNI get the certificate of the port's hostname-less listener, if any.
    for (const p of gw.ports) {
      const o = this.open.get(p.port);
      if (o === undefined || o.protocol !== "HTTPS") continue;
      const anyHost = p.listeners.find((l) => l.hostname === undefined || l.hostname === "");
      const s = anyHost?.certificates[0] !== undefined ? this.secrets.get(anyHost.certificates[0]) : undefined;
      if (s === undefined) continue;
      try {
        (o.server as TlsServer).setSecureContext({ key: s.keyPem, cert: s.certPem });
      } catch {
        this.opts.log?.("gateway.bad_certificate", { secret: s.id });
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((o) => new Promise<void>((r) => o.server.close(() => r()))));
  }

  private resolver(port: number, sniListener: ListenerIR | undefined): (host: string) => RouteResolution {
    return (host) => {
      const gw = this.compiled;
      if (gw === undefined) return { kind: "none" };
      const sel = selectListener(gw, port, host);
      if (sel === undefined) return { kind: "none" };
      if (sniListener !== undefined && sel.listener.id !== sniListener.id) return { kind: "misdirected" };
      return { kind: "routes", routes: sel.routes, label: sel.listener.id };
    };
  }

  /** The context of a connection to `port`: its routes come from the listener its Host (and SNI, over TLS) selects. */
  private contextOf(port: number, scheme: "http" | "https", sniListener: ListenerIR | undefined): RouteContext {
    return { face: "gateway", routes: undefined, destinationPort: port, scheme, label: `gateway:${port}`, resolveRoutes: this.resolver(port, sniListener) };
  }

  private httpServer(port: number): NetServer {
    const ctx = this.contextOf(port, "http", undefined);
    return createNetServer({ noDelay: true }, (socket: Socket) => this.opts.engine.serveConnection(socket, ctx));
  }

  private contextFor(listener: ListenerIR): SecureContext | undefined {
    const id = listener.certificates[0];
    if (id === undefined) return undefined;
    let c = this.contexts.get(id);
    if (c === undefined) {
      const s = this.secrets.get(id);
      if (s === undefined) return undefined;
      try {
        c = createSecureContext({ key: s.keyPem, cert: s.certPem });
      } catch {
        this.opts.log?.("gateway.bad_certificate", { secret: id });
        return undefined;
      }
      this.contexts.set(id, c);
    }
    return c;
  }

  private httpsServer(port: number): TlsServer {
    const server = createTlsServer({
      ALPNProtocols: ["h2", "http/1.1"],
      minVersion: "TLSv1.2",
      // A client that stalls the handshake is cut off (slowloris at the TLS layer).
      handshakeTimeout: 10_000,
      SNICallback: (servername, cb) => {
        const gw = this.compiled;
        const l = gw === undefined ? undefined : listenerForSni(gw, port, servername);
        const c = l === undefined ? undefined : this.contextFor(l);
        if (c === undefined) cb(new Error("no certificate for this server name"), undefined);
        else cb(null, c);
      },
    });
    server.on("secureConnection", (socket: TLSSocket) => {
      const gw = this.compiled;
      const sni = typeof socket.servername === "string" ? socket.servername : undefined;
      const l = gw === undefined ? undefined : listenerForSni(gw, port, sni ?? "");
      this.opts.engine.serveConnection(socket, this.contextOf(port, "https", l));
    });
    server.on("tlsClientError", () => {});
    return server;
  }
}
