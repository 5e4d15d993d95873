// app-probes: rewrites the kubelet probes of app containers so they keep working behind the sidecar
// (contract in pkg/util/app-probes.ts). An httpGet, tcpSocket or grpc probe (liveness, readiness, startup) whose
// port is captured inbound becomes an httpGet on the proxy's admin port at
// /app-health/<container>/<kind>; its timing fields (delays, period, thresholds, timeout) are kept; the
// original target goes to the proxy as WEFT_APP_PROBES. Left as they are: probes with an explicit `host`
// (not the pod), exec probes, ports the pod excludes from capture or does not include, named
// ports the container does not declare.
// Takes the pod spec's containers, the config and the pod overrides; gives JSON Patch ops (paths into
// spec.containers as given) and the probe map. Must not: throw on any input.
import { appProbePath, isProbePort, probeTimeoutSeconds, type AppProbe, type ProbeKind } from "../pkg/util/app-probes.ts";
import { isRecord } from "../pkg/util/is-record.ts";
import type { PodOverrides } from "./annotations.ts";
import type { InjectorConfig } from "./injector-config.ts";
import type { JsonPatchOp } from "./json-patch.ts";

const KINDS: readonly ProbeKind[] = ["livenessProbe", "readinessProbe", "startupProbe"];

/** A probe's port (number, numeric string, or a name the container declares), or undefined. */
function resolvePort(port: unknown, container: Record<string, unknown>): number | undefined {
  const n = typeof port === "number" ? port : typeof port === "string" && /^[0-9]+$/.test(port) ? Number(port) : undefined;
  if (n !== undefined) return isProbePort(n) ? n : undefined;
  if (typeof port !== "string" || !Array.isArray(container["ports"])) return undefined;
  for (const p of container["ports"]) {
    if (isRecord(p) && p["name"] === port && typeof p["containerPort"] === "number") return resolvePort(p["containerPort"], container);
  }
  return undefined;
}

function captured(port: number, o: PodOverrides, config: InjectorConfig): boolean {
  if (port === config.adminPort || port === config.inboundPort || port === config.outboundPort) return false;
  if (o.excludeInboundPorts.includes(port)) return false;
  return o.includeInboundPorts === "*" || o.includeInboundPorts.includes(port);
}

/** The original target of `probe`, when it is one to rewrite. */
function targetOf(probe: Record<string, unknown>, container: Record<string, unknown>, o: PodOverrides, config: InjectorConfig): AppProbe | undefined {
  const timeoutSeconds = probeTimeoutSeconds(probe["timeoutSeconds"]);
  const http = probe["httpGet"];
  if (isRecord(http)) {
    if (http["host"] !== undefined && http["host"] !== "") return undefined;
    const port = resolvePort(http["port"], container);
    if (port === undefined || !captured(port, o, config)) return undefined;
    const path = typeof http["path"] === "string" && http["path"] !== "" ? http["path"] : "/";
    const scheme = http["scheme"] === "HTTPS" ? "HTTPS" : "HTTP";
    const headers = Array.isArray(http["httpHeaders"])
      ? http["httpHeaders"].filter(isRecord).filter((h) => typeof h["name"] === "string" && typeof h["value"] === "string")
        .map((h) => ({ name: h["name"] as string, value: h["value"] as string }))
      : [];
    return { kind: "http", port, path: path.startsWith("/") ? path : `/${path}`, scheme, headers, timeoutSeconds };
  }
  const grpc = probe["grpc"];
  if (isRecord(grpc)) {
    const port = resolvePort(grpc["port"], container);
    if (port === undefined || !captured(port, o, config)) return undefined;
    return { kind: "grpc", port, service: typeof grpc["service"] === "string" ? grpc["service"] : "", timeoutSeconds };
  }
  const tcp = probe["tcpSocket"];
  if (isRecord(tcp)) {
    if (tcp["host"] !== undefined && tcp["host"] !== "") return undefined;
    const port = resolvePort(tcp["port"], container);
    if (port === undefined || !captured(port, o, config)) return undefined;
    return { kind: "tcp", port, timeoutSeconds };
  }
  return undefined;
}

/** Patch ops for spec.containers (indexes as given) and the admin path → original probe map. */
export function rewriteAppProbes(containers: unknown, config: InjectorConfig, o: PodOverrides): { patch: JsonPatchOp[]; probes: Record<string, AppProbe> } {
  const patch: JsonPatchOp[] = [];
  const probes: Record<string, AppProbe> = {};
  if (!o.rewriteAppProbes || !Array.isArray(containers)) return { patch, probes };
  containers.forEach((c, i) => {
    if (!isRecord(c) || typeof c["name"] !== "string") return;
    for (const kind of KINDS) {
      const probe = c[kind];
      if (!isRecord(probe)) continue;
      const target = targetOf(probe, c, o, config);
      if (target === undefined) continue;
      const path = appProbePath(c["name"], kind);
      probes[path] = target;
      const { httpGet: _h, tcpSocket: _t, grpc: _g, ...timing } = probe;
      patch.push({ op: "replace", path: `/spec/containers/${i}/${kind}`, value: { ...timing, httpGet: { path, port: config.adminPort, scheme: "HTTP" } } });
    }
  });
  return { patch, probes };
}
