// app-probes: the contract between the injector and the sidecar for rewritten kubelet probes. The
// injector points an app container's HTTP, TCP and gRPC probes at the proxy's admin port, path
// `/app-health/<container>/<livez|readyz|startupz>`, and hands the original targets to the proxy as JSON
// in WEFT_APP_PROBES; the proxy's admin server runs the original check against the app on localhost
// (pkg/proxy/admin/app-probe.ts). Why: a probe sent to a captured port reaches the inbound sidecar, which in
// strict mTLS mode refuses the kubelet's plaintext, and whose accepted TCP connection says nothing about
// the app. Takes/gives plain data. Must not: do I/O, or accept a target that is not a loopback port.
import { isRecord } from "./is-record.ts";

/** The proxy container's environment variable carrying the rewritten probes (JSON object). */
export const APP_PROBES_ENV = "WEFT_APP_PROBES";

/** Path prefix on the admin port under which rewritten probes are served. */
export const APP_HEALTH_PREFIX = "/app-health/";

export type ProbeKind = "livenessProbe" | "readinessProbe" | "startupProbe";

const suffix: Readonly<Record<ProbeKind, string>> = { livenessProbe: "livez", readinessProbe: "readyz", startupProbe: "startupz" };

/** The admin path a rewritten probe of `container` calls. */
export function appProbePath(container: string, kind: ProbeKind): string {
  return `${APP_HEALTH_PREFIX}${container}/${suffix[kind]}`;
}

/** One original probe target, checked against 127.0.0.1. */
export type AppProbe =
  | {
    readonly kind: "http";
    readonly port: number;
    /** Path and query as the probe gave them (kubelet's default "/"). */
    readonly path: string;
    readonly scheme: "HTTP" | "HTTPS";
    readonly headers: readonly { readonly name: string; readonly value: string }[];
    readonly timeoutSeconds: number;
  }
  | { readonly kind: "tcp"; readonly port: number; readonly timeoutSeconds: number }
  /** grpc.health.v1 Check of `service` ("" = the server as a whole), plaintext, as the kubelet's gRPC probe. */
  | { readonly kind: "grpc"; readonly port: number; readonly service: string; readonly timeoutSeconds: number };

const MAX_PROBES = 64;
const tokenRe = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const pathRe = /^\/[\x21-\x7e]*$/;
const valueRe = /^[\t\x20-\x7e]*$/;

/** A probe target port: an integer 1..65535. */
export function isProbePort(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** A probe's timeoutSeconds when it is an integer 1..300, else the kubelet's default of 1. */
export function probeTimeoutSeconds(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 300 ? v : 1;
}

/** One entry as an AppProbe, or the reason it is refused. */
function probeOf(v: unknown): AppProbe | string {
  if (!isRecord(v)) return "not an object";
  if (!isProbePort(v["port"])) return "port must be an integer 1..65535";
  const timeoutSeconds = probeTimeoutSeconds(v["timeoutSeconds"]);
  if (v["kind"] === "tcp") return { kind: "tcp", port: v["port"], timeoutSeconds };
  if (v["kind"] === "grpc") {
    const service = v["service"] ?? "";
    if (typeof service !== "string" || service.length > 256 || !/^[\x21-\x7e]*$/.test(service)) return "service must be visible ASCII, at most 256 characters";
    return { kind: "grpc", port: v["port"], service, timeoutSeconds };
  }
  if (v["kind"] !== "http") return `kind must be "http", "tcp" or "grpc"`;
  const path = v["path"];
  if (typeof path !== "string" || path.length > 2048 || !pathRe.test(path)) return "path must start with / and hold visible ASCII only";
  const scheme = v["scheme"];
  if (scheme !== "HTTP" && scheme !== "HTTPS") return "scheme must be HTTP or HTTPS";
  const raw = v["headers"] ?? [];
  if (!Array.isArray(raw) || raw.length > 32) return "headers must be a list of at most 32";
  const headers: { name: string; value: string }[] = [];
  for (const h of raw) {
    if (!isRecord(h) || typeof h["name"] !== "string" || typeof h["value"] !== "string") return "a header must have a string name and value";
    if (!tokenRe.test(h["name"]) || h["value"].length > 4096 || !valueRe.test(h["value"])) return `header "${String(h["name"]).slice(0, 64)}" is not a valid field`;
    headers.push({ name: h["name"], value: h["value"] });
  }
  return { kind: "http", port: v["port"], path, scheme, headers, timeoutSeconds };
}

/** Parse WEFT_APP_PROBES: admin path → probe. Bad entries are left out, each with one sentence. */
export function parseAppProbes(json: string | undefined): { probes: Map<string, AppProbe>; problems: string[] } {
  const probes = new Map<string, AppProbe>();
  const problems: string[] = [];
  if (json === undefined || json.trim() === "") return { probes, problems };
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return { probes, problems: [`${APP_PROBES_ENV} is not JSON`] };
  }
  if (!isRecord(doc)) return { probes, problems: [`${APP_PROBES_ENV} must be a JSON object`] };
  for (const [path, v] of Object.entries(doc)) {
    if (probes.size >= MAX_PROBES) {
      problems.push(`${APP_PROBES_ENV}: more than ${MAX_PROBES} probes; the rest are ignored`);
      break;
    }
    if (!path.startsWith(APP_HEALTH_PREFIX) || !pathRe.test(path)) {
      problems.push(`${APP_PROBES_ENV}: "${path.slice(0, 80)}" is not under ${APP_HEALTH_PREFIX}`);
      continue;
    }
    const p = probeOf(v);
    if (typeof p === "string") problems.push(`${APP_PROBES_ENV} ${path.slice(0, 80)}: ${p}`);
    else probes.set(path, p);
  }
  return { probes, problems };
}
