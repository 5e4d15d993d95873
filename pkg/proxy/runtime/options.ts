// options: what the proxy runtime (runtime.ts, startProxy) takes — every `weft proxy` flag and the
// environment it reads, already parsed and checked by the caller (cmd/weft/proxy.ts). Mirrors
// ControllerOptions for the controller.
// Must not: hold behaviour, or carry key material (the controller trust bundle holds roots only).
import type { AppProbe } from "../../util/app-probes.ts";
import type { TracingConfig } from "../../telemetry/index.ts";
import type { BalancerKind } from "../balance/endpoint-chooser.ts";
import type { Limits } from "../limits.ts";
import type { InboundBinding, InboundMode, OutboundBinding } from "../sidecar/index.ts";

/** Where config comes from: a static IR file (reloaded when it changes) or the controller. */
export type ConfigSource =
  | { readonly kind: "file"; readonly path: string }
  | {
    readonly kind: "controller";
    /** host:port of the distribution server. */
    readonly address: string;
    /** PEM roots that verify the controller's TLS certificate; undefined = plaintext (development only). */
    readonly trustPem: string | undefined;
  };

export interface ProxyOptions {
  readonly mode: "gateway" | "sidecar";
  /** Gateway mode: the Gateway this proxy serves. */
  readonly gateway?: { readonly namespace: string; readonly name: string };
  /** Sidecar mode: the client namespace (whose consumer routes apply); also our distribution identity's namespace. */
  readonly namespace?: string;
  readonly config: ConfigSource;
  /** Projected ServiceAccount token: controller authentication and the mesh identity. */
  readonly tokenPath?: string;
  readonly serviceAccount?: string;
  readonly pod?: string;
  /** Mesh trust domain (spiffe://<td>/ns/<ns>/sa/<sa>). */
  readonly trustDomain: string;
  /** Listener bind address; undefined: 0.0.0.0 for the gateway and the admin server, dual stack for capture listeners. */
  readonly bind?: string;
  /** Gateway port → local port to bind (unprivileged runs). */
  readonly portMap: ReadonlyMap<number, number>;
  readonly adminPort: number;
  /** On stop: keep serving this long first (not ready, connections closed after each response). */
  readonly drainDelayMs: number;
  /** ...and beyond it, while connections keep arriving (one within DRAIN_QUIET_MS), up to this long; default drainDelayMs. */
  readonly drainDelayMaxMs?: number;
  /** Drain budget on stop, once the listeners are closed. */
  readonly drainMs: number;
  readonly balancer: BalancerKind;
  readonly limits: Partial<Limits>;
  /** One JSON line per request on stdout. */
  readonly accessLog: boolean;
  /** Tracing from the environment (pkg/telemetry tracingConfigFromEnv); problems are logged and tracing stays off. */
  readonly tracing: { readonly config: TracingConfig | undefined; readonly problems: readonly string[] };
  /** App probes the injector pointed at the admin port (pkg/util/app-probes.ts parseAppProbes); problems are logged. */
  readonly appProbes: { readonly probes: ReadonlyMap<string, AppProbe>; readonly problems: readonly string[] };
  /** Sidecar mode: capture ports and explicit listeners. */
  readonly sidecar: {
    readonly inboundPort: number;
    readonly outboundPort: number;
    readonly outboundBindings: readonly OutboundBinding[];
    readonly inboundBindings: readonly InboundBinding[];
    /** Open the capture ports (default: only when no explicit listener is given). */
    readonly captureListeners: boolean;
    /** Plaintext (non-mesh) inbound connections: accepted (permissive) or refused (strict). */
    readonly inboundMode?: InboundMode;
  };
}
