// engine-types: the seam between the HTTP engine (h1/h2/gRPC stack, pools, filters) and the
// listeners that feed it sockets (gateway listeners, sidecar outbound/inbound capture).
// A listener accepts a socket, decides what it is, and hands it to the engine with a RouteContext.
// Must not: hold behaviour.
import type { Duplex } from "node:stream";
import type { ClusterIR, MeshIR } from "../ir/types.ts";
import type { CompiledRoutes } from "../router/index.ts";

export type ProxyFace = "gateway" | "sidecar-outbound" | "sidecar-inbound";

/** Everything the engine needs to route requests arriving on one connection. */
export interface RouteContext {
  readonly face: ProxyFace;
  /** Routes that apply; undefined ⇒ no route attached: forward everything to `defaultCluster`. */
  readonly routes: CompiledRoutes | undefined;
  /** Cluster used when `routes` is undefined (GAMMA route presence, spec §1.8). */
  readonly defaultCluster?: string;
  /** sidecar-inbound: forward to the app at 127.0.0.1:<this port>. */
  readonly localAppPort?: number;
  /**
   * sidecar-inbound without a `defaultCluster`: the pod address the client dialled (original destination).
   * The Service port whose endpoints hold <this>:<localAppPort> says how to talk to the app (h2c/grpc ⇒ HTTP/2).
   */
  readonly localAppAddress?: string;
  /** Port the client addressed (listener port or original destination port). */
  readonly destinationPort: number;
  /** "http" | "https" as seen by the client (for redirects and x-forwarded-proto). */
  readonly scheme: "http" | "https";
  /** Verified SPIFFE id of the downstream peer (sidecar-inbound over mTLS). */
  readonly peerIdentity?: string;
  /** Listener id / service id for logs, metrics and traces. */
  readonly label: string;
  /**
   * Per-request route choice by Host (gateway listeners sharing a port, spec §7): when set it wins over
   * `routes`. "none" ⇒ 404, "misdirected" ⇒ 421 (HTTPS Host better served by another listener).
   */
  readonly resolveRoutes?: (host: string) => RouteResolution;
}

/** Result of RouteContext.resolveRoutes. */
export type RouteResolution =
  | { readonly kind: "routes"; readonly routes: CompiledRoutes; readonly label: string }
  | { readonly kind: "misdirected" }
  | { readonly kind: "none" };

/** Mesh mTLS material: PEM strings handed in by the caller (cmd wires pkg/ca → proxy). */
export interface MeshTlsMaterial {
  readonly keyPem: string;
  readonly certChainPem: string;
  /** All trusted roots (old and new during rotation), concatenated PEM. */
  readonly trustBundlePem: string;
  /** Our own SPIFFE id. */
  readonly identity: string;
}

/**
 * ALPN protocols that mark a connection as mesh mTLS (sidecar → sidecar). The inbound sidecar
 * terminates TLS only when the ClientHello offers one of these; any other TLS (the app's own) passes
 * through untouched. A mesh client offers its inner protocol plus a marker, e.g. ["h2", "weft-h2"];
 * the inbound side then negotiates "h2" (or "http/1.1"), so node's http2 client is satisfied.
 */
export const MESH_ALPN_PROTOCOLS: readonly string[] = ["weft-h2", "weft-http/1.1"];

/** The state the engine reads per request: swapped atomically when new config arrives. */
export interface EngineState {
  readonly version: string;
  readonly ir: MeshIR;
  readonly clusters: ReadonlyMap<string, ClusterIR>;
  /** endpointKey(address, port) → the cluster (Service port) targeting that endpoint (engineStateOf). */
  readonly endpointClusters?: ReadonlyMap<string, ClusterIR>;
}

export interface HttpEngine {
  /**
   * Serve one accepted connection (plain or already-TLS-terminated). The engine detects the HTTP/2
   * preface vs HTTP/1.x itself. Non-HTTP bytes ⇒ the engine closes the socket cleanly.
   * `head` holds bytes the listener already read while detecting the protocol.
   */
  serveConnection(socket: Duplex, ctx: RouteContext, head?: Buffer): void;
  /** Swap the config in force (atomic; in-flight requests keep the state they started with). */
  setState(state: EngineState): void;
  /** Set or rotate mesh mTLS material used for upstream connections to meshed endpoints. */
  setMeshTls(material: MeshTlsMaterial | undefined): void;
  /**
   * A drain is coming: every response from now on closes its connection (HTTP/1.x `connection: close`;
   * open HTTP/2 sessions get GOAWAY and finish their streams) and new connections are still served —
   * so clients reconnect, through a Service that no longer lists us. Idle connections stay open until
   * drain() (closing one now would race a client's next request on it).
   */
  announceDrain(): void;
  /** When the last connection was accepted (performance.now()), or undefined before the first. */
  lastConnectionAt(): number | undefined;
  /** Stop taking new requests, finish in-flight ones (bounded by `graceMs`), close pools. */
  drain(graceMs: number): Promise<void>;
}
