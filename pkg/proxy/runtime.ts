// runtime: starts every part of the proxy from ProxyOptions and stops them (the data plane's counterpart
// of pkg/controller startController). The engine (engine.ts) with its metrics, tracing and access log;
// one face: gateway listeners for one Gateway, or the sidecar's capture listeners over a mesh lookup
// (sidecar/mesh-lookup.ts, swapped on every config); the config door: a static IR file (runtime/
// config-file.ts: fully validated, reloaded when it changes, a bad file keeps the last good config) or the
// controller (runtime/controller-link.ts: distribution client and mesh identity, loaded only then); and
// the admin server. `weft proxy` (cmd/weft/proxy.ts) parses flags into ProxyOptions and calls this.
// Readiness (/ready): 503 until a config is in force, until the workload certificate is issued when the
// proxy has a mesh identity (a ServiceAccount token: its mesh traffic is mTLS), while a gateway port of
// that config is not bound (e.g. EACCES on :80), and from stop() on. stop() announces the drain and keeps serving for
// drainDelayMs (the pod's endpoint leaves every node's Service rules meanwhile; each response closes
// its connection) and on while new connections still arrive, up to drainDelayMaxMs (runtime/drain-delay.ts), then closes the listeners and drains in-flight requests for drainMs.
// Takes options and a logger; gives a handle (engine, ports, stop). Throws when it cannot start, after
// closing what it opened.
// Must not: exit the process, handle signals, or log key material or header values.
import { readFileSync } from "node:fs";
import type { MeshIR } from "../ir/types.ts";
import { createAccessLog, createMetricsRegistry, initTracing, registerProxyMetrics, type Logger } from "../telemetry/index.ts";
import { startAdminServer, type AdminServer } from "./admin/admin-server.ts";
import { createHttpEngine, type WeftHttpEngine } from "./engine.ts";
import { engineStateOf } from "./engine-state.ts";
import { GatewayListeners } from "./gateway/gateway-listeners.ts";
import { readConfigFile, watchConfigFile } from "./runtime/config-file.ts";
import type { ControllerLink } from "./runtime/controller-link.ts";
import { DRAIN_QUIET_MS, waitDrainDelay } from "./runtime/drain-delay.ts";
import type { ProxyOptions } from "./runtime/options.ts";
import { createMeshLookup, originalDstMethod, startSidecar, type Sidecar } from "./sidecar/index.ts";

export type { ConfigSource, ProxyOptions } from "./runtime/options.ts";

export interface ProxyHandle {
  readonly engine: WeftHttpEngine;
  readonly adminPort: number;
  /** Gateway mode: the local port a Gateway port is bound on. */
  boundPort(gatewayPort: number): number | undefined;
  /** Sidecar mode: the capture listeners. */
  readonly sidecar: Sidecar | undefined;
  /** Not ready, keep serving for drainDelayMs, stop accepting, drain in-flight requests (bounded by drainMs), close everything. */
  stop(): Promise<void>;
}

export async function startProxy(o: ProxyOptions, log: Logger): Promise<ProxyHandle> {
  const registry = createMetricsRegistry({});
  const telemetry = registerProxyMetrics(registry);
  for (const problem of o.tracing.problems) log.warn({ problem }, "tracing config ignored");
  const tracing = initTracing(o.tracing.problems.length === 0 ? o.tracing.config : undefined);
  const engine = createHttpEngine({
    balancer: o.balancer,
    telemetry,
    tracing,
    ...(o.accessLog ? { accessLog: createAccessLog() } : {}),
    limits: o.limits,
    log: (event, fields) => log.warn(fields, event),
  });
  const bind = o.bind ?? "0.0.0.0";
  const gateway = o.mode === "gateway" ? o.gateway : undefined;
  const gateways = gateway !== undefined
    ? new GatewayListeners({ engine, host: bind, portMap: (p) => o.portMap.get(p) ?? p, log: (e, x) => log.warn(x, e) })
    : undefined;
  const mesh = createMeshLookup(o.namespace ?? "");
  let sidecar: Sidecar | undefined;
  /** Sidecar: why captured connections cannot be served here (no original-destination recovery), or undefined. */
  let captureProblem: string | undefined;
  let link: ControllerLink | undefined;
  /** Our SPIFFE id when the proxy has a mesh identity (its certificate is part of readiness), else undefined. */
  let meshIdentity: string | undefined;
  let unwatch: (() => void) | undefined;
  let stopping = false;
  /** Why this proxy must not take traffic now, or undefined. */
  const notReady = (): string | undefined => {
    if (stopping) return "draining";
    if (captureProblem !== undefined) return captureProblem;
    if (meshIdentity !== undefined && link?.material() === undefined) return `no workload certificate yet for ${meshIdentity}`;
    const failed = gateways?.bindFailures();
    if (failed === undefined || failed.size === 0) return undefined;
    return `gateway listeners not bound: ${[...failed].map(([port, error]) => `${port} (${error})`).join(", ")}`;
  };

  /** Put `ir` in force: engine state first, then listeners (gateway) or the mesh lookup (sidecar). */
  const applyIr = (ir: MeshIR, version: string): Promise<void> => {
    if (engine.state()?.version === version) return Promise.resolve();
    engine.setState(engineStateOf(ir, version));
    log.info({ version }, "config in force");
    if (gateways === undefined || gateway === undefined) {
      mesh.update(ir.services);
      return Promise.resolve();
    }
    const gw = ir.gateways.find((g) => g.namespace === gateway.namespace && g.name === gateway.name);
    if (gw === undefined) log.warn({ gateway: `${gateway.namespace}/${gateway.name}` }, "gateway not in config; no listeners");
    return gateways.apply(gw ?? { namespace: gateway.namespace, name: gateway.name, ports: [] }, ir.secrets).then(() => {
      log.info({ ports: (gw?.ports ?? []).map((p) => `${p.port}->${gateways.boundPort(p.port) ?? "?"}`).join(",") }, "gateway listeners");
    });
  };

  const close = async (drainMs: number): Promise<void> => {
    unwatch?.();
    link?.stop();
    await Promise.all([gateways?.close(), sidecar?.drain(drainMs)]);
    await engine.drain(drainMs);
  };

  let admin: AdminServer;
  try {
    const source = o.config;
    if (source.kind === "file") {
      const load = async (): Promise<void> => {
        const read = readConfigFile(source.path);
        if (!read.ok) {
          log.error({ path: source.path, error: read.reason }, "config rejected; keeping the last good one");
          return;
        }
        await applyIr(read.ir, read.version);
      };
      await load();
      unwatch = watchConfigFile(source.path, () => {
        void load().catch((e: unknown) => log.error({ error: String(e) }, "config apply failed"));
      });
    } else {
      const readToken = o.tokenPath === undefined ? undefined : tokenReader(o.tokenPath);
      const meshed = readToken !== undefined && o.serviceAccount !== undefined && o.namespace !== undefined;
      if (meshed) meshIdentity = `spiffe://${o.trustDomain}/ns/${o.namespace}/sa/${o.serviceAccount}`;
      const { connectController } = await import("./runtime/controller-link.ts");
      const namespace = o.namespace ?? gateway?.namespace ?? "";
      link = await connectController({
        address: source.address,
        trustPem: source.trustPem,
        identity: {
          namespace,
          serviceAccount: o.serviceAccount ?? "default",
          pod: o.pod ?? "unknown",
          kind: o.mode,
          ...(gateway !== undefined ? { gatewayNamespace: gateway.namespace, gatewayName: gateway.name } : {}),
        },
        ...(readToken !== undefined ? { readToken } : {}),
        ...(meshIdentity !== undefined ? { meshIdentity } : {}),
        onConfig: (ir, version) => {
          void applyIr(ir, version).catch((e: unknown) => log.error({ error: String(e) }, "listener apply failed"));
        },
        applyMeshTls: (m) => {
          engine.setMeshTls(m);
          sidecar?.setMeshTls(m);
        },
        log,
      });
    }
    if (o.mode === "sidecar") {
      const material = link?.material();
      const s = o.sidecar;
      // Without original destinations every captured connection would be refused: stay up, never ready, say why.
      if (s.captureListeners) captureProblem = captureUnavailable();
      if (captureProblem !== undefined) log.error({ reason: captureProblem }, "capture unavailable: the sidecar stays not ready");
      sidecar = await startSidecar({
        // Capture listeners default to dual stack ("::"): weft init redirects IPv6 too.
        engine,
        ...(o.bind !== undefined ? { host: o.bind } : {}),
        outboundBindings: s.outboundBindings,
        inboundBindings: s.inboundBindings,
        captureListeners: s.captureListeners && captureProblem === undefined,
        inboundPort: s.inboundPort,
        outboundPort: s.outboundPort,
        ...(s.inboundMode !== undefined ? { inboundMode: s.inboundMode } : {}),
        ...(material !== undefined ? { meshTls: material } : {}),
        lookup: mesh.lookup,
        log: (level, event, fields) => log[level](fields, event),
        onMtlsFailure: (reason) => telemetry.mtlsHandshakeFailed(reason),
      });
    }
    for (const problem of o.appProbes.problems) log.warn({ problem }, "app probe ignored");
    admin = await startAdminServer(engine, {
      port: o.adminPort,
      host: bind,
      extraMetrics: () => registry.renderMetrics(),
      appProbes: o.appProbes.probes,
      notReady,
    });
  } catch (e) {
    await close(0);
    await tracing.shutdown().catch(() => {});
    throw e;
  }
  log.info({ adminPort: admin.port }, "proxy started");
  return {
    engine,
    adminPort: admin.port,
    boundPort: (p) => gateways?.boundPort(p),
    get sidecar() {
      return sidecar;
    },
    stop: async () => {
      stopping = true;
      if (o.drainDelayMs > 0) {
        const delay = { minMs: o.drainDelayMs, maxMs: o.drainDelayMaxMs ?? o.drainDelayMs, quietMs: DRAIN_QUIET_MS };
        log.info({ drainDelayMs: delay.minMs, drainDelayMaxMs: delay.maxMs }, "drain announced; still serving");
        engine.announceDrain();
        const servedMs = Math.round(await waitDrainDelay(delay, () => engine.lastConnectionAt()));
        const last = engine.lastConnectionAt();
        log.info({ servedMs, lastConnectionAgoMs: last === undefined ? undefined : Math.round(performance.now() - last) }, "drain delay over; closing listeners");
      }
      await close(o.drainMs);
      await admin.close();
      await tracing.shutdown().catch(() => {});
    },
  };
}

/** Why captured connections' original destinations cannot be recovered here, or undefined. */
function captureUnavailable(): string | undefined {
  try {
    originalDstMethod();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Reads the projected token file at each call (kubelet rotates it). */
function tokenReader(path: string): () => string {
  return () => readFileSync(path, "utf8").trim();
}
