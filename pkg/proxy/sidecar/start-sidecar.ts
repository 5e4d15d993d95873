// start-sidecar: opens the sidecar's two capture listeners — outbound (default :15001, traffic the
// app sends, see outbound.ts) and inbound (default :15006, traffic to the app, see inbound.ts) — and
// returns a handle with stats, mTLS rotation and close. Explicit bindings (local mode, no iptables)
// add listeners on given addresses whose sockets' original destination is their own local address.
// Takes: SidecarOptions (the engine, a mesh lookup, ports, mTLS material, modes).
// Gives: a Sidecar once both listeners are listening.
// Must not: start when original-destination recovery is impossible (fails fast with WEFT_ERR_UNAVAILABLE).
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createCaptureEnv, type CaptureEnv } from "./capture-env.ts";
import { handleInbound } from "./inbound.ts";
import { handleOutbound } from "./outbound.ts";
import type { OriginalDestination } from "./original-dst.ts";
import type { Sidecar, SidecarOptions } from "./sidecar-types.ts";
import { normalizeIp } from "../../util/ip-address.ts";

const noop = (): void => {};

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, ipv6Only: false }, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Listen on `host`, or when none is given on "::" (dual stack: IPv4 arrives IPv4-mapped), falling back to 0.0.0.0 without IPv6. */
async function listenDualStack(server: Server, port: number, host: string | undefined): Promise<number> {
  if (host !== undefined) return listen(server, port, host);
  try {
    return await listen(server, port, "::");
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") throw e;
    return listen(server, port, "0.0.0.0");
  }
}

function captureServer(env: CaptureEnv, open: Set<Socket>, max: number, handle: (s: Socket, env: CaptureEnv) => Promise<void>, face: string): Server {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => {
    socket.on("error", noop);
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    handle(socket, env).catch((e: unknown) => {
      env.log("error", `${face}.bug`, { message: e instanceof Error ? e.message : String(e) });
      socket.destroy();
    });
  });
  server.maxConnections = max;
  server.on("error", (e) => env.log("error", `${face}.listener-error`, { message: e.message }));
  return server;
}

/** Explicit bindings: the socket was addressed to the listener itself. */
function localDestination(socket: Socket): OriginalDestination | undefined {
  const { localAddress, localPort } = socket;
  return localAddress === undefined || localPort === undefined ? undefined : { address: normalizeIp(localAddress), port: localPort };
}

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const capture = options.captureListeners !== false;
  const env = createCaptureEnv(!capture && options.originalDestination === undefined ? { ...options, originalDestination: localDestination } : options);
  const max = options.maxConnections ?? 10_000;
  const open = new Set<Socket>();
  const servers: Server[] = [];
  let outboundPort = 0;
  let inboundPort = 0;
  try {
    if (capture) {
      const outbound = captureServer(env, open, max, handleOutbound, "outbound");
      const inbound = captureServer(env, open, max, handleInbound, "inbound");
      servers.push(outbound, inbound);
      outboundPort = await listenDualStack(outbound, options.outboundPort ?? 15001, options.host);
      inboundPort = await listenDualStack(inbound, options.inboundPort ?? 15006, options.host);
      env.ownPorts.add(outboundPort);
      env.ownPorts.add(inboundPort);
      env.log("info", "sidecar.listening", { outboundPort, inboundPort, host: String((outbound.address() as AddressInfo).address), originalDst: env.originalDstMethod });
    }
    const explicit = { ...env, originalDestination: localDestination, isSelf: () => false };
    for (const b of options.outboundBindings ?? []) {
      const stands = b.destination === undefined ? undefined : { address: normalizeIp(b.destination.address), port: b.destination.port };
      const server = captureServer(stands === undefined ? explicit : { ...explicit, originalDestination: () => stands }, open, max, handleOutbound, "outbound");
      servers.push(server);
      await listen(server, b.port, b.host);
      env.log("info", "sidecar.listening", { face: "outbound", address: `${b.host}:${b.port}`, ...(stands !== undefined ? { standsFor: `${stands.address}:${stands.port}` } : {}) });
    }
    for (const b of options.inboundBindings ?? []) {
      const appPort = b.appPort ?? b.port;
      const cluster = b.cluster;
      const server = captureServer({ ...explicit, appPortOf: () => appPort, appClusterOf: () => cluster, anyTlsIsMesh: true }, open, max, handleInbound, "inbound");
      servers.push(server);
      await listen(server, b.port, b.host);
      env.log("info", "sidecar.listening", { face: "inbound", address: `${b.host}:${b.port}`, appPort });
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
  const closeServer = (s: Server): Promise<void> =>
    new Promise((resolve) => {
      s.close(() => resolve());
    });
  const closeAll = (): Promise<void[]> => Promise.all(servers.map(closeServer));
  return {
    outboundPort,
    inboundPort,
    stats: env.stats,
    setMeshTls: (m) => env.setMeshTls(m),
    close: async () => {
      const done = closeAll();
      for (const s of open) s.destroy();
      await done;
    },
    drain: async (graceMs) => {
      const stopped = closeAll();
      const deadline = Date.now() + graceMs;
      await options.engine.drain(graceMs);
      while (open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
      for (const s of open) s.destroy();
      await stopped;
    },
  };
}
