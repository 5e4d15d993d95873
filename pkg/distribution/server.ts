// server: the controller side of distribution. Takes MeshIR versions (`setIr`), proxies' streams
// and Sign calls; gives each proxy only the changed resources of its slice, tracks ACK/NACK per
// proxy (state table) and answers `programmedCount(routeKey, generation)` for route status, and
// `programmedReport()` (every route's counts at its current generation) for other controller replicas.
// Flow control: at most one unacknowledged update per proxy; changes arriving meanwhile are merged
// into the next update (sent on ACK/NACK). A NACKed version is not resent until the IR changes.
// Snapshots are shared per slice key (sidecars of one namespace, one gateway) so memory per proxy
// stays small. Versions are content hashes: every replica serves the same versions (no leader).
// The mesh CA's trust bundle (`setTrust`) travels as one more resource, `trust`, to proxies whose hello
// announced the trust-bundle feature (older proxies would NACK an unknown type), so a changed CA reaches
// every proxy without a restart.
// Must not: log tokens or secret payloads; crash on hostile messages (they end that stream only).
import * as grpc from "@grpc/grpc-js";
import { WeftError } from "../errors/weft-error.ts";
import type { MeshIR } from "../ir/types.ts";
import type { ControllerMetrics } from "../telemetry/controller-metrics.ts";
import { toGrpcError } from "./grpc-status.ts";
import { parseHello } from "./hello.ts";
import { loadDistributionProto, type ProxyMessage, type ServerMessage, type SignRequestMsg, type SignResponseMsg } from "./proto.ts";
import { EMPTY_SLICE, TRUST_BUNDLE_FEATURE, sliceKeyOf, type ProxyIdentity, type TrustBundle } from "./slice.ts";
import { NOTHING_HELD, buildSnapshot, buildUpdate, type HeldState, type SliceSnapshot } from "./snapshot.ts";

export interface SignHandler {
  (req: { readonly csrPem: string; readonly token: string }): Promise<{ certChainPem: string; trustBundlePem: string }>;
}

export interface DistributionServerOptions {
  /** Authenticates a stream: token from metadata `authorization: Bearer <t>`; hello must match it. */
  readonly authenticateToken?: (token: string) => Promise<{ namespace: string; serviceAccount: string }>;
  /**
   * Decides whether an (authenticated) proxy may receive the slice it asked for, e.g. that a
   * gateway's ServiceAccount is the one its Gateway deployment runs as (gateway slices carry TLS
   * keys). Throw a WeftError (PERMISSION_DENIED) to refuse. Absent ⇒ every hello is served.
   */
  readonly authorize?: (proxy: ProxyIdentity) => Promise<void>;
  /** Serves the Sign RPC (pkg/ca sign handler, wired by cmd). Absent ⇒ UNIMPLEMENTED. */
  readonly sign?: SignHandler;
  readonly onAck?: (proxy: ProxyStatus) => void;
  readonly onNack?: (proxy: ProxyStatus) => void;
  readonly log?: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
  /** pkg/telemetry controller metrics: push duration, connected proxies, NACKs. */
  readonly metrics?: Pick<ControllerMetrics, "configPushDuration" | "proxiesConnected" | "configNacks">;
  /** Largest message accepted from a proxy (hello with its known list). Default 16 MiB. */
  readonly maxReceiveBytes?: number;
}

export interface ProxyStatus {
  readonly id: string;
  readonly identity: ProxyIdentity;
  readonly connectedAt: number;
  /** Version of the proxy's slice at the latest IR. */
  readonly targetVersion: string;
  readonly ackedVersion: string | undefined;
  readonly lastNack: { readonly version: string; readonly reason: string } | undefined;
  readonly inSync: boolean;
}

export interface DistributionServer {
  setIr(ir: MeshIR): void;
  /** The mesh CA roots (PEM) for proxies that take the trust bundle; unchanged text pushes nothing. */
  setTrust(rootsPem: string | undefined): void;
  /** Bind and start; address like "127.0.0.1:0". Gives the bound port. */
  listen(address: string, credentials?: grpc.ServerCredentials): Promise<number>;
  /** Add the service to a server the caller owns instead of `listen`. */
  addTo(server: grpc.Server): void;
  proxies(): ProxyStatus[];
  programmedCount(routeKey: string, generation: number): { programmed: number; total: number };
  /** Gateway ns/name's proxies connected here, and how many acknowledged its current listener set. */
  gatewayProgrammedCount(namespace: string, name: string): { programmed: number; total: number };
  /**
   * Every route some connected proxy needs, with its generation in the current IR, how many connected
   * proxies need it and how many acknowledged that generation (or a newer one), and every Gateway with
   * proxies here as "Gateway/<ns>/<name>" (generation 0; programmed = acknowledged its current
   * listeners, as gatewayProgrammedCount): what this replica tells the leader (pkg/controller replica reports).
   */
  programmedReport(): ReadonlyMap<string, RouteProgrammed>;
  /** Ends streams and stops; graceMs <= 0 drops every connection at once (crash-like). */
  close(graceMs?: number): Promise<void>;
}

export interface RouteProgrammed {
  readonly generation: number;
  readonly total: number;
  readonly programmed: number;
}

interface Conn {
  readonly id: string;
  readonly identity: ProxyIdentity;
  /** Slice key, with "+trust" for proxies that take the trust bundle (they get another snapshot). */
  readonly sliceKey: string;
  readonly call: grpc.ServerDuplexStream<ProxyMessage, ServerMessage>;
  readonly connectedAt: number;
  held: HeldState;
  acked: SliceSnapshot | undefined;
  inflight: SliceSnapshot | undefined;
  nackedVersion: string | undefined;
  lastNack: { version: string; reason: string } | undefined;
}

const MAX_CACHED_UPDATES = 64;

export function createDistributionServer(opts: DistributionServerOptions = {}): DistributionServer {
  const { service, encodeServerMessage } = loadDistributionProto();
  const conns = new Set<Conn>();
  let ir: MeshIR = EMPTY_SLICE;
  let trust: TrustBundle | undefined;
  let snapshots = new Map<string, SliceSnapshot>();
  let seq = 0;
  let grpcServer: grpc.Server | undefined;
  /** Proxies that have not yet answered (ACK or NACK) the latest IR, and when it was set. */
  let push: { startedAt: number; waiting: Set<Conn> } | undefined;
  const metrics = opts.metrics;
  const settled = (c: Conn): void => {
    if (push === undefined || !push.waiting.delete(c) || push.waiting.size > 0) return;
    metrics?.configPushDuration.observe((performance.now() - push.startedAt) / 1000);
    push = undefined;
  };
  const dropConn = (c: Conn): void => {
    if (!conns.delete(c)) return;
    metrics?.proxiesConnected.set(conns.size);
    settled(c);
  };
  const log = opts.log ?? (() => {});

  const snapshotFor = (identity: ProxyIdentity, key: string): SliceSnapshot => {
    let s = snapshots.get(key);
    if (s === undefined) {
      s = buildSnapshot(ir, identity, key, key.endsWith("+trust") ? trust : undefined);
      snapshots.set(key, s);
    }
    return s;
  };

  const encodedUpdate = (held: HeldState, target: SliceSnapshot): Uint8Array => {
    const cacheKey = held === NOTHING_HELD ? "" : held.version;
    let bytes = target.updates.get(cacheKey);
    if (bytes === undefined) {
      bytes = encodeServerMessage({ msg: "update", update: buildUpdate(held, target.encoded) });
      if (target.updates.size >= MAX_CACHED_UPDATES) target.updates.delete(target.updates.keys().next().value!);
      target.updates.set(cacheKey, bytes);
    }
    return bytes;
  };

  const statusOf = (c: Conn): ProxyStatus => {
    const target = snapshotFor(c.identity, c.sliceKey).encoded.version;
    return {
      id: c.id,
      identity: c.identity,
      connectedAt: c.connectedAt,
      targetVersion: target,
      ackedVersion: c.acked?.encoded.version,
      lastNack: c.lastNack,
      inSync: c.acked?.encoded.version === target,
    };
  };

  const pump = (c: Conn): void => {
    if (c.inflight !== undefined) return;
    const target = snapshotFor(c.identity, c.sliceKey);
    const version = target.encoded.version;
    if (c.held.version === version || c.nackedVersion === version) return;
    c.inflight = target;
    c.call.write(encodedUpdate(c.held, target) as unknown as ServerMessage);
  };

  const onMessage = (c: Conn, m: ProxyMessage): void => {
    if (m.msg === "ack" && m.ack) {
      if (c.inflight === undefined || c.inflight.encoded.version !== m.ack.version) return;
      c.held = c.inflight.encoded;
      c.acked = c.inflight;
      c.inflight = undefined;
      c.nackedVersion = undefined;
      if (c.held.version === snapshotFor(c.identity, c.sliceKey).encoded.version) settled(c);
      opts.onAck?.(statusOf(c));
      pump(c);
    } else if (m.msg === "nack" && m.nack) {
      const reason = m.nack.reason.slice(0, 1024);
      c.lastNack = { version: m.nack.version, reason };
      c.inflight = undefined;
      if (m.nack.resync) c.held = NOTHING_HELD;
      else c.nackedVersion = m.nack.version;
      log("warn", "proxy rejected config", { proxy: c.id, version: m.nack.version, reason });
      metrics?.configNacks.inc();
      if (!m.nack.resync) settled(c);
      opts.onNack?.(statusOf(c));
      pump(c);
    } else {
      throw new WeftError("WEFT_ERR_PROTOCOL", "only ack or nack may follow the hello");
    }
  };

  const stream = (call: grpc.ServerDuplexStream<ProxyMessage, ServerMessage>): void => {
    let conn: Conn | undefined;
    let starting = false;
    const end = (e: unknown): void => {
      if (conn) dropConn(conn);
      const err = toGrpcError(e);
      // grpc-js: an "error" event on a server stream ends it with that status.
      if (!call.destroyed) call.emit("error", Object.assign(new Error(err.details), err));
    };
    call.on("data", (m: ProxyMessage) => {
      try {
        if (conn) return onMessage(conn, m);
        if (starting) throw new WeftError("WEFT_ERR_PROTOCOL", "wait for the first update before acking");
        starting = true;
        const { identity, held, features } = parseHello(m.msg === "hello" ? m.hello : undefined);
        void admit(call.metadata, identity).then(
          () => {
            if (call.cancelled || call.destroyed) return;
            conn = {
              id: `${identity.namespace}/${identity.pod}#${++seq}`,
              identity,
              sliceKey: `${sliceKeyOf(identity)}${features.has(TRUST_BUNDLE_FEATURE) ? "+trust" : ""}`,
              call,
              connectedAt: Date.now(),
              held,
              acked: undefined,
              inflight: undefined,
              nackedVersion: undefined,
              lastNack: undefined,
            };
            const target = snapshotFor(identity, conn.sliceKey);
            if (held.version === target.encoded.version) conn.acked = target;
            conns.add(conn);
            metrics?.proxiesConnected.set(conns.size);
            // Headers now tell the proxy its hello was accepted even when no update follows.
            call.sendMetadata(new grpc.Metadata());
            log("info", "proxy connected", { proxy: conn.id, kind: identity.kind });
            pump(conn);
          },
          (e: unknown) => end(e),
        );
      } catch (e) {
        end(e);
      }
    });
    const drop = (): void => {
      if (conn) dropConn(conn);
    };
    call.on("end", () => {
      drop();
      call.end();
    });
    call.on("error", drop);
    call.on("cancelled", drop);
    call.on("close", drop);
  };

  const authenticate = async (md: grpc.Metadata, id: ProxyIdentity): Promise<void> => {
    if (opts.authenticateToken === undefined) return;
    const header = md.get("authorization")[0];
    const token = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : "";
    if (token === "") throw new WeftError("WEFT_ERR_UNAUTHENTICATED", "missing bearer token in authorization metadata");
    const who = await opts.authenticateToken(token);
    if (who.namespace !== id.namespace || who.serviceAccount !== id.serviceAccount) {
      throw new WeftError(
        "WEFT_ERR_PERMISSION_DENIED",
        `token identity ${who.namespace}/${who.serviceAccount} does not match hello ${id.namespace}/${id.serviceAccount}`,
      );
    }
  };
  const admit = async (md: grpc.Metadata, id: ProxyIdentity): Promise<void> => {
    await authenticate(md, id);
    if (opts.authorize) await opts.authorize(id);
  };

  const sign = (call: grpc.ServerUnaryCall<SignRequestMsg, SignResponseMsg>, cb: grpc.sendUnaryData<SignResponseMsg>): void => {
    if (opts.sign === undefined) {
      cb({ code: grpc.status.UNIMPLEMENTED, details: "this controller does not sign certificates" });
      return;
    }
    opts.sign({ csrPem: call.request.csr, token: call.request.token }).then(
      (r) => cb(null, { certChain: r.certChainPem, trustBundle: r.trustBundlePem }),
      (e: unknown) => cb(toGrpcError(e)),
    );
  };

  const impl = { Stream: stream, Sign: sign } as grpc.UntypedServiceImplementation;

  /** New snapshots for every proxy after the IR or the trust bundle changed, pushed to those behind. */
  const rebuild = (): void => {
    snapshots = new Map();
    const waiting = new Set<Conn>();
    for (const c of conns) if (c.held.version !== snapshotFor(c.identity, c.sliceKey).encoded.version) waiting.add(c);
    push = waiting.size > 0 ? { startedAt: performance.now(), waiting } : undefined;
    for (const c of conns) pump(c);
  };

  return {
    setIr(next) {
      ir = next;
      rebuild();
    },
    setTrust(rootsPem) {
      if (rootsPem === trust?.rootsPem) return;
      trust = rootsPem === undefined ? undefined : { rootsPem };
      rebuild();
    },
    addTo(server) {
      server.addService(service, impl);
    },
    listen(address, credentials = grpc.ServerCredentials.createInsecure()) {
      const server = new grpc.Server({
        "grpc.max_receive_message_length": opts.maxReceiveBytes ?? 16 * 1024 * 1024,
        "grpc.max_send_message_length": -1,
        "grpc.keepalive_time_ms": 20_000,
        "grpc.keepalive_timeout_ms": 10_000,
        "grpc.keepalive_permit_without_calls": 1,
        "grpc.http2.min_ping_interval_without_data_ms": 5_000,
      });
      server.addService(service, impl);
      grpcServer = server;
      return new Promise((resolve, reject) => {
        server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
      });
    },
    proxies() {
      return [...conns].map(statusOf);
    },
    programmedCount(routeKey, generation) {
      let programmed = 0;
      let total = 0;
      for (const c of conns) {
        if (!snapshotFor(c.identity, c.sliceKey).routeGenerations.has(routeKey)) continue;
        total++;
        if ((c.acked?.routeGenerations.get(routeKey) ?? -1) >= generation) programmed++;
      }
      return { programmed, total };
    },
    gatewayProgrammedCount(namespace, name) {
      const key = `${namespace}/${name}`;
      let programmed = 0;
      let total = 0;
      for (const c of conns) {
        if (c.identity.kind !== "gateway" || c.identity.gatewayNamespace !== namespace || c.identity.gatewayName !== name) continue;
        total++;
        const want = snapshotFor(c.identity, c.sliceKey).listenerSets.get(key);
        if (want !== undefined && c.acked?.listenerSets.get(key) === want) programmed++;
      }
      return { programmed, total };
    },
    programmedReport() {
      const out = new Map<string, { generation: number; total: number; programmed: number }>();
      for (const c of conns) {
        for (const [key, generation] of snapshotFor(c.identity, c.sliceKey).routeGenerations) {
          let e = out.get(key);
          if (e === undefined) out.set(key, e = { generation, total: 0, programmed: 0 });
          // Slices of one IR carry one generation per route; keep the highest should two ever differ.
          if (generation > e.generation) e.generation = generation;
          e.total++;
          if ((c.acked?.routeGenerations.get(key) ?? -1) >= generation) e.programmed++;
        }
        if (c.identity.kind === "gateway") {
          // "Gateway/<ns>/<name>" (generation 0): how many acknowledged its current listener set.
          const gw = `${c.identity.gatewayNamespace}/${c.identity.gatewayName}`;
          const key = `Gateway/${gw}`;
          let e = out.get(key);
          if (e === undefined) out.set(key, e = { generation: 0, total: 0, programmed: 0 });
          e.total++;
          const want = snapshotFor(c.identity, c.sliceKey).listenerSets.get(gw);
          if (want !== undefined && c.acked?.listenerSets.get(gw) === want) e.programmed++;
        }
      }
      return out;
    },
    close(graceMs = 1000) {
      const server = grpcServer;
      const open = [...conns];
      conns.clear();
      push = undefined;
      metrics?.proxiesConnected.set(0);
      if (graceMs <= 0 && server !== undefined) {
        // Like a crash, as far as proxies can tell: connections drop with no status.
        server.forceShutdown();
        return Promise.resolve();
      }
      for (const c of open) c.call.end();
      if (server === undefined) return Promise.resolve();
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
