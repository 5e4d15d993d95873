// options: parses `weft controller` flags into ControllerOptions.
// Takes argv and env; gives options or throws a UsageError naming the bad flag (the command prints it
// and exits 2). Flags are read by pkg/cli's parser from CONTROLLER_FLAGS. Durations accept "15s", "500ms", or a number of milliseconds.
// Must not: read files or the network.
import { hostname } from "node:os";
import { parseCommandLine, UsageError, type FlagTable, type FlagValues } from "../cli/flags.ts";
import type { ProxyTracing } from "../../injector/index.ts";
import { otelEnvOf, tracingConfigFromEnv } from "../telemetry/index.ts";

export interface ControllerOptions {
  readonly provider: "kube" | "file";
  readonly dir?: string;
  readonly kubeconfig?: string;
  readonly grpcAddress: string;
  readonly grpcPort: number;
  /** Serve the distribution port in plaintext even with a mesh CA (local/dev only; explicit). */
  readonly grpcInsecure: boolean;
  /** The controller's Service: distribution certificate SANs <svc>.<ns>.svc[.cluster.local]. */
  readonly grpcService: string;
  /** Extra DNS SANs for the distribution certificate. */
  readonly grpcDnsNames: readonly string[];
  /** /ready, /live (/healthz), /status. The chart names it --admin-port. */
  readonly healthPort: number;
  /** The controller's own namespace: default for the lease and the CA Secret. */
  readonly namespace: string;
  readonly trustDomain: string;
  readonly caSecret?: string;
  /** Accepted for the chart's injector/CA wiring; served by other components when wired. */
  readonly webhookPort: number;
  readonly webhookConfig?: string;
  readonly webhookService?: string;
  /** Extra DNS SANs for the webhook certificate (e.g. localhost for an out-of-cluster controller). */
  readonly webhookDnsNames: readonly string[];
  /** WEFT_INJECTION_CONFIG (JSON) for the injector; defaults when absent. */
  readonly injectionConfigJson?: string;
  /** The controller's WEFT_TRACING_* and OTEL_ENV variables (the chart's tracing values): passed on to injected
   *  sidecars (unless WEFT_INJECTION_CONFIG has its own) and provisioned gateways. */
  readonly proxyTracing?: ProxyTracing;
  readonly certLifetimeMs: number;
  /** Local mode/dev only (file provider): JSON file of static proxy tokens; the mesh CA signs for them. */
  readonly localDevTokens?: string;
  /** File provider: keep the mesh CA in this directory (created 0700/0600 when empty), so a restart keeps it. */
  readonly caDir?: string;
  /** Create a Deployment + Service per Gateway of our class (needs RBAC on deployments/services). */
  readonly provisionGateways: boolean;
  readonly gatewayImage: string;
  /** host:port provisioned gateway proxies dial for config. */
  readonly controllerAddress: string;
  readonly leaderElect: boolean;
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly controllerName: string;
  readonly logLevel: string;
  /** Which Pods' endpoints are dialled over mesh mTLS: those running a Weft sidecar, or all (local mode runs one per Pod). */
  readonly meshedPods: "with-sidecar" | "all";
}

export const CONTROLLER_USAGE = `usage: weft controller [--provider kube|file] [--dir D] [--kubeconfig K]
  [--grpc-address 0.0.0.0] [--grpc-port 15010] [--admin-port 15014] [--leader-elect[=true|false]]
  [--grpc-service NAME] [--grpc-dns-names a,b] [--grpc-insecure]  (TLS with the mesh CA unless --grpc-insecure)
  [--namespace NS] [--lease-namespace NS] [--lease-name weft-controller] [--identity ID]
  [--trust-domain cluster.local] [--ca-secret weft-ca] [--cert-lifetime 24h]
  [--webhook-port 15017] [--webhook-config NAME] [--webhook-service NAME] [--webhook-dns-names a,b]
  [--provision-gateways[=true|false]] [--gateway-image IMG] [--controller-address host:port]
  [--lease-duration 15s] [--renew-deadline 10s] [--retry-period 2s]
  [--controller-name weft.dev/gateway-controller] [--log-level info]
  [--meshed-pods with-sidecar|all]  (whose endpoints get mTLS: Pods running a Weft sidecar (default), or every Pod — local mode)
  [--local-dev-tokens FILE]  (file provider only: static proxy tokens + a mesh CA, for weft local)
  [--ca-dir DIR]  (with --local-dev-tokens: keep the mesh CA in DIR so a restarted controller keeps it; without it the CA lives in memory)`;

const value = { type: "string" } as const;
const flag = { type: "boolean" } as const;
/** `weft controller`'s flags (pkg/cli grammar: `--name value`, `--name=value`, booleans `--name[=true|false]`). */
export const CONTROLLER_FLAGS = {
  provider: value,
  dir: value,
  kubeconfig: { type: "string", env: "KUBECONFIG" },
  "grpc-address": value,
  "grpc-port": value,
  "grpc-insecure": flag,
  "grpc-service": value,
  "grpc-dns-names": value,
  "admin-port": value,
  "health-port": value,
  namespace: { type: "string", env: "POD_NAMESPACE" },
  "trust-domain": value,
  "ca-secret": value,
  "cert-lifetime": value,
  "webhook-port": value,
  "webhook-config": value,
  "webhook-service": value,
  "webhook-dns-names": value,
  "local-dev-tokens": value,
  "ca-dir": value,
  "provision-gateways": flag,
  "gateway-image": { type: "string", env: "WEFT_PROXY_IMAGE" },
  "controller-address": value,
  "leader-elect": flag,
  "lease-namespace": value,
  "lease-name": value,
  identity: { type: "string", env: "POD_NAME" },
  "lease-duration": value,
  "renew-deadline": value,
  "retry-period": value,
  "controller-name": value,
  "log-level": { type: "string", env: "WEFT_LOG_LEVEL" },
  "meshed-pods": value,
} as const satisfies FlagTable;

export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v.trim());
  if (m === null) throw new UsageError(`--${flag}: "${v}" is not a duration (e.g. 15s, 500ms, 24h)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "ms"] ?? 1;
  const ms = n * unit;
  if (ms < 1 || ms > 366 * 24 * 3_600_000) throw new UsageError(`--${flag}: ${v} is out of range`);
  return ms;
}

function port(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag}: "${v}" is not a port`);
  return n;
}

const csv = (v: string | undefined): string[] => (v ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");

/** The options from argv and env, or a UsageError naming the bad flag. */
export function parseControllerOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ControllerOptions {
  return controllerOptionsFrom(parseCommandLine(argv, CONTROLLER_FLAGS, { env }).flags, env);
}

/** The proxies' tracing from the controller's WEFT_TRACING_* and OTEL_* env; a UsageError names a bad value. */
function proxyTracingOf(env: Readonly<Record<string, string | undefined>>): { proxyTracing?: ProxyTracing } {
  const { config, problems } = tracingConfigFromEnv(env, "weft-proxy");
  if (problems.length > 0) throw new UsageError(`WEFT_TRACING_*, OTEL_TRACES_SAMPLER*: ${problems.join("; ")}`);
  if (config?.otlpEndpoint === undefined) return {};
  const otelEnv = otelEnvOf(env);
  return {
    proxyTracing: {
      endpoint: config.otlpEndpoint,
      protocol: config.protocol,
      samplingRatio: config.samplingRatio,
      propagators: config.propagators,
      ...(Object.keys(otelEnv).length > 0 ? { otelEnv } : {}),
    },
  };
}

/** The options from parsed flags (and WEFT_INJECTION_CONFIG), or a UsageError naming the bad flag. */
export function controllerOptionsFrom(f: FlagValues<typeof CONTROLLER_FLAGS>, env: Readonly<Record<string, string | undefined>>): ControllerOptions {
  const leaderElect = f["leader-elect"] === true;
  const provider = f.provider ?? "kube";
  if (provider !== "kube" && provider !== "file") throw new UsageError(`--provider must be kube or file, not "${provider}"`);
  if (provider === "file" && f.dir === undefined) throw new UsageError("--provider file needs --dir");
  if (provider === "file" && leaderElect) throw new UsageError("--leader-elect needs --provider kube");
  if (provider === "kube" && f["local-dev-tokens"] !== undefined) {
    throw new UsageError("--local-dev-tokens is for local mode only (--provider file); a cluster authenticates proxies with TokenReview");
  }
  if (f["ca-dir"] !== undefined && (provider !== "file" || f["local-dev-tokens"] === undefined)) {
    throw new UsageError("--ca-dir goes with --provider file and --local-dev-tokens; with --provider kube the CA lives in the Secret named by --ca-secret");
  }
  const leaseDurationMs = parseDuration("lease-duration", f["lease-duration"] ?? "15s");
  const renewDeadlineMs = parseDuration("renew-deadline", f["renew-deadline"] ?? "10s");
  const retryPeriodMs = parseDuration("retry-period", f["retry-period"] ?? "2s");
  if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
    throw new UsageError("need --retry-period < --renew-deadline < --lease-duration");
  }
  const namespace = f.namespace ?? "weft-system";
  const meshedPods = f["meshed-pods"] ?? "with-sidecar";
  if (meshedPods !== "with-sidecar" && meshedPods !== "all") throw new UsageError(`--meshed-pods must be with-sidecar or all, not "${meshedPods.slice(0, 40)}"`);
  const opt = <K extends string>(v: string | undefined, key: K): Partial<Record<K, string>> => (v !== undefined && v !== "" ? ({ [key]: v } as Record<K, string>) : {});
  return {
    provider,
    ...opt(f.dir, "dir"),
    ...opt(f.kubeconfig, "kubeconfig"),
    grpcAddress: f["grpc-address"] ?? "0.0.0.0",
    grpcPort: port("grpc-port", f["grpc-port"] ?? "15010"),
    grpcInsecure: f["grpc-insecure"] === true,
    grpcService: f["grpc-service"] ?? f["webhook-service"] ?? "weft",
    grpcDnsNames: csv(f["grpc-dns-names"]),
    healthPort: port("admin-port", f["admin-port"] ?? f["health-port"] ?? "15014"),
    namespace,
    trustDomain: f["trust-domain"] ?? "cluster.local",
    ...opt(f["ca-secret"], "caSecret"),
    webhookPort: port("webhook-port", f["webhook-port"] ?? "15017"),
    ...opt(f["webhook-config"], "webhookConfig"),
    ...opt(f["webhook-service"], "webhookService"),
    webhookDnsNames: csv(f["webhook-dns-names"]),
    ...(env["WEFT_INJECTION_CONFIG"] !== undefined ? { injectionConfigJson: env["WEFT_INJECTION_CONFIG"] } : {}),
    ...proxyTracingOf(env),
    certLifetimeMs: parseDuration("cert-lifetime", f["cert-lifetime"] ?? "24h"),
    ...opt(f["local-dev-tokens"], "localDevTokens"),
    ...opt(f["ca-dir"], "caDir"),
    provisionGateways: f["provision-gateways"] === true && provider === "kube",
    gatewayImage: f["gateway-image"] ?? "ghcr.io/weft-mesh/weft:latest",
    controllerAddress: f["controller-address"] ?? `weft.${namespace}.svc:${f["grpc-port"] ?? "15010"}`,
    leaderElect,
    leaseNamespace: f["lease-namespace"] ?? namespace,
    leaseName: f["lease-name"] ?? "weft-controller",
    identity: f.identity ?? `${hostname()}-${process.pid}`,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    controllerName: f["controller-name"] ?? "weft.dev/gateway-controller",
    logLevel: f["log-level"] ?? "info",
    meshedPods,
  };
}

/**
 * Why these options may not serve the distribution port, or undefined. With the kube provider the
 * port carries ServiceAccount tokens and gateway TLS keys: it needs the mesh CA (--ca-secret) for
 * TLS, or an explicit --grpc-insecure.
 */
export function distributionSecurityProblem(o: ControllerOptions): string | undefined {
  if (o.provider !== "kube" || o.grpcInsecure || o.caSecret !== undefined) return undefined;
  return "--provider kube serves the distribution port over TLS with a certificate from the mesh CA, and there is no CA: "
    + "give --ca-secret NAME (the chart does), or --grpc-insecure to serve plaintext (development only: tokens and gateway keys cross the network unencrypted)";
}
