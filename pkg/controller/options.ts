// options: parses `weft controller` flags into ControllerOptions.
// Takes argv and env; gives options or throws a message naming the bad flag (the command prints it
// and exits 2). Durations accept "15s", "500ms", or a number of milliseconds.
// Must not: read files or the network.
import { hostname } from "node:os";

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
  [--local-dev-tokens FILE]  (file provider only: static proxy tokens + a mesh CA, for weft local)
  [--ca-dir DIR]  (with --local-dev-tokens: keep the mesh CA in DIR so a restarted controller keeps it; without it the CA lives in memory)`;

const VALUE_FLAGS = new Set([
  "provider", "dir", "kubeconfig", "grpc-address", "grpc-port", "health-port", "admin-port", "lease-namespace", "lease-name", "identity",
  "lease-duration", "renew-deadline", "retry-period", "controller-name", "log-level", "namespace", "trust-domain", "ca-secret",
  "webhook-port", "webhook-config", "webhook-service", "cert-lifetime", "gateway-image", "controller-address", "webhook-dns-names",
  "local-dev-tokens", "grpc-service", "grpc-dns-names", "ca-dir",
]);

export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v.trim());
  if (m === null) throw new Error(`--${flag}: "${v}" is not a duration (e.g. 15s, 500ms, 24h)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "ms"] ?? 1;
  const ms = n * unit;
  if (ms < 1 || ms > 366 * 24 * 3_600_000) throw new Error(`--${flag}: ${v} is out of range`);
  return ms;
}

function port(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${flag}: "${v}" is not a port`);
  return n;
}

export function parseControllerOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ControllerOptions {
  const raw = new Map<string, string>();
  const bools = new Map<string, boolean>([["leader-elect", false], ["provision-gateways", false], ["grpc-insecure", false]]);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i] ?? "");
    if (m === null) throw new Error(`unexpected argument "${argv[i]}"`);
    const name = m[1]!;
    if (bools.has(name)) {
      if (m[2] !== undefined && m[2] !== "true" && m[2] !== "false") throw new Error(`--${name}=${m[2]}: use true or false`);
      bools.set(name, m[2] === undefined || m[2] === "true");
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new Error(`unknown flag --${name}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    raw.set(name, value);
  }
  const leaderElect = bools.get("leader-elect") === true;
  const provider = raw.get("provider") ?? "kube";
  if (provider !== "kube" && provider !== "file") throw new Error(`--provider must be kube or file, not "${provider}"`);
  if (provider === "file" && raw.get("dir") === undefined) throw new Error("--provider file needs --dir");
  if (provider === "file" && leaderElect) throw new Error("--leader-elect needs --provider kube");
  if (provider === "kube" && raw.get("local-dev-tokens") !== undefined) {
    throw new Error("--local-dev-tokens is for local mode only (--provider file); a cluster authenticates proxies with TokenReview");
  }
  if (raw.get("ca-dir") !== undefined && (provider !== "file" || raw.get("local-dev-tokens") === undefined)) {
    throw new Error("--ca-dir goes with --provider file and --local-dev-tokens; with --provider kube the CA lives in the Secret named by --ca-secret");
  }
  const leaseDurationMs = parseDuration("lease-duration", raw.get("lease-duration") ?? "15s");
  const renewDeadlineMs = parseDuration("renew-deadline", raw.get("renew-deadline") ?? "10s");
  const retryPeriodMs = parseDuration("retry-period", raw.get("retry-period") ?? "2s");
  if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
    throw new Error("need --retry-period < --renew-deadline < --lease-duration");
  }
  const kubeconfig = raw.get("kubeconfig") ?? env["KUBECONFIG"];
  const dir = raw.get("dir");
  const namespace = raw.get("namespace") ?? env["POD_NAMESPACE"] ?? "weft-system";
  const opt = (flag: string, key: string): Record<string, string> => {
    const v = raw.get(flag);
    return v !== undefined && v !== "" ? { [key]: v } : {};
  };
  return {
    provider,
    ...(dir !== undefined ? { dir } : {}),
    ...(kubeconfig !== undefined && kubeconfig !== "" ? { kubeconfig } : {}),
    grpcAddress: raw.get("grpc-address") ?? "0.0.0.0",
    grpcPort: port("grpc-port", raw.get("grpc-port") ?? "15010"),
    grpcInsecure: bools.get("grpc-insecure") === true,
    grpcService: raw.get("grpc-service") ?? raw.get("webhook-service") ?? "weft",
    grpcDnsNames: (raw.get("grpc-dns-names") ?? "").split(",").map((x) => x.trim()).filter((x) => x !== ""),
    healthPort: port("admin-port", raw.get("admin-port") ?? raw.get("health-port") ?? "15014"),
    namespace,
    trustDomain: raw.get("trust-domain") ?? "cluster.local",
    ...opt("ca-secret", "caSecret"),
    webhookPort: port("webhook-port", raw.get("webhook-port") ?? "15017"),
    ...opt("webhook-config", "webhookConfig"),
    ...opt("webhook-service", "webhookService"),
    webhookDnsNames: (raw.get("webhook-dns-names") ?? "").split(",").map((x) => x.trim()).filter((x) => x !== ""),
    ...(env["WEFT_INJECTION_CONFIG"] !== undefined ? { injectionConfigJson: env["WEFT_INJECTION_CONFIG"] } : {}),
    certLifetimeMs: parseDuration("cert-lifetime", raw.get("cert-lifetime") ?? "24h"),
    ...opt("local-dev-tokens", "localDevTokens"),
    ...opt("ca-dir", "caDir"),
    provisionGateways: bools.get("provision-gateways") === true && provider === "kube",
    gatewayImage: raw.get("gateway-image") ?? env["WEFT_PROXY_IMAGE"] ?? "ghcr.io/weft-mesh/weft:latest",
    controllerAddress: raw.get("controller-address") ?? `weft.${namespace}.svc:${raw.get("grpc-port") ?? "15010"}`,
    leaderElect,
    leaseNamespace: raw.get("lease-namespace") ?? namespace,
    leaseName: raw.get("lease-name") ?? "weft-controller",
    identity: raw.get("identity") ?? env["POD_NAME"] ?? `${hostname()}-${process.pid}`,
    leaseDurationMs, renewDeadlineMs, retryPeriodMs,
    controllerName: raw.get("controller-name") ?? "weft.dev/gateway-controller",
    logLevel: raw.get("log-level") ?? env["WEFT_LOG_LEVEL"] ?? "info",
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
