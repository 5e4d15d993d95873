// sidecar-containers: the objects mutate adds to a pod — the `weft init` container (only
// NET_ADMIN + NET_RAW, root only for it), the proxy container (UID 1337, non-root, read-only
// root, no privilege escalation, drop ALL), and the proxy-only volumes (projected ServiceAccount
// token for the controller audience, an in-memory scratch dir; the pod's facts through the downward API and
// WEFT_WORKLOAD (its traces' resource, pkg/telemetry resource.ts); WEFT_TRUST_BUNDLE when the config
// carries the mesh trust bundle; NODE_OPTIONS and WEFT_NODE_ARGS = the sidecar's V8 heap/GC flags,
// pkg/util/proxy-node-options.ts, which keep its RSS down under load (WEFT_NODE_ARGS per weft.dev/proxy-tuning); WEFT_APP_PROBES when app probes were
// pointed at the proxy, injector/app-probes.ts; WEFT_INBOUND_MTLS=strict for weft.dev/inbound-mtls: strict). Takes config + per-pod overrides;
// gives plain Kubernetes JSON.
// Must not: mount the weft token into app containers, or give the proxy any capability.
// Spec: native sidecars = init container with restartPolicy Always (KEP-753, Kubernetes ≥ 1.29).
import { WEFT_PROXY_CONTAINER } from "../pkg/api/index.ts";
import { WORKLOAD_ENV } from "../pkg/telemetry/resource.ts";
import { OTEL_ENV, TRACING_ENV } from "../pkg/telemetry/tracing-env.ts";
import { APP_PROBES_ENV, type AppProbe } from "../pkg/util/app-probes.ts";
import { canonicalJson } from "../pkg/util/canonical-json.ts";
import { NODE_ARGS_ENV, SIDECAR_NODE_OPTIONS, SIDECAR_NODE_ARGS_BY_TUNING } from "../pkg/util/proxy-node-options.ts";
import type { PodOverrides } from "./annotations.ts";
import type { InjectorConfig, ProxyTracing } from "./injector-config.ts";

export const PROXY_CONTAINER = WEFT_PROXY_CONTAINER;
export const INIT_CONTAINER = "weft-init";
export const TOKEN_VOLUME = "weft-token";
export const SCRATCH_VOLUME = "weft-tmp";
export const TOKEN_MOUNT_PATH = "/var/run/secrets/weft.dev/tokens";
export const TOKEN_FILE = "distribution-token";
/** PEM roots the proxy verifies the controller's distribution certificate against. */
export const TRUST_BUNDLE_ENV = "WEFT_TRUST_BUNDLE";
/** `weft proxy --inbound-mtls`: strict refuses plaintext inbound connections. */
export const INBOUND_MTLS_ENV = "WEFT_INBOUND_MTLS";

/** `weft init` flags for the capture config (read by init-options.ts). */
export function initArgs(config: InjectorConfig, o: PodOverrides): string[] {
  const args = [
    "init",
    `--proxy-uid=${config.proxyUid}`,
    `--outbound-port=${config.outboundPort}`,
    `--inbound-port=${config.inboundPort}`,
    `--admin-port=${config.adminPort}`,
  ];
  if (o.includeInboundPorts !== "*") args.push(`--include-inbound-ports=${o.includeInboundPorts.join(",")}`);
  if (o.excludeInboundPorts.length > 0) args.push(`--exclude-inbound-ports=${o.excludeInboundPorts.join(",")}`);
  if (o.excludeOutboundPorts.length > 0) args.push(`--exclude-outbound-ports=${o.excludeOutboundPorts.join(",")}`);
  if (o.excludeOutboundCidrs.length > 0) args.push(`--exclude-outbound-cidrs=${o.excludeOutboundCidrs.join(",")}`);
  return args;
}

export function initContainer(config: InjectorConfig, o: PodOverrides): Record<string, unknown> {
  return {
    name: INIT_CONTAINER,
    image: config.initImage ?? config.proxyImage,
    ...(config.imagePullPolicy === undefined ? {} : { imagePullPolicy: config.imagePullPolicy }),
    command: ["weft"],
    args: initArgs(config, o),
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] },
    },
  };
}

/** Inline readiness wait for the non-native postStart hook: polls /ready for up to 120 s. */
export function waitReadyScript(adminPort: number): string {
  return `const h=require("node:http");const end=Date.now()+120000;`
    + `const again=()=>{if(Date.now()>end)process.exit(1);setTimeout(poll,250)};`
    + `const poll=()=>h.get("http://127.0.0.1:${adminPort}/ready",(r)=>{r.resume();r.statusCode===200?process.exit(0):again()}).on("error",again);poll()`;
}

function env(name: string, value: string): Record<string, unknown> {
  return { name, value };
}

function fieldEnv(name: string, fieldPath: string): Record<string, unknown> {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

function tracingEnv(config: InjectorConfig): Record<string, unknown>[] {
  return config.tracing === undefined ? [] : proxyTracingEnv(config.tracing);
}

/** The WEFT_TRACING_* env a proxy reads (pkg/telemetry tracingConfigFromEnv) for these settings, then the
 *  standard OTEL_* ones given (OTEL_ENV order), which win in the proxy. */
export function proxyTracingEnv(t: ProxyTracing): Record<string, unknown>[] {
  const otel = t.otelEnv ?? {};
  return [
    env(TRACING_ENV.endpoint, t.endpoint),
    ...(t.protocol === undefined ? [] : [env(TRACING_ENV.protocol, t.protocol)]),
    ...(t.samplingRatio === undefined ? [] : [env(TRACING_ENV.samplingRatio, String(t.samplingRatio))]),
    ...(t.propagators === undefined ? [] : [env(TRACING_ENV.propagators, t.propagators.join(","))]),
    ...OTEL_ENV.flatMap((k) => {
      const v = otel[k];
      return v === undefined ? [] : [env(k, v)];
    }),
  ];
}

/** `appProbes`: the app probes pointed at this proxy (admin path → original target), handed over as WEFT_APP_PROBES;
 *  `workload`: the pod's workload (`<Kind>/<name>`, workload.ts) as WEFT_WORKLOAD, its traces' service name. */
export function proxyContainer(config: InjectorConfig, o: PodOverrides, native: boolean, appProbes: Readonly<Record<string, AppProbe>> = {}, workload?: string): Record<string, unknown> {
  const ready = (): Record<string, unknown> => ({ httpGet: { path: "/ready", port: config.adminPort } });
  const c: Record<string, unknown> = {
    name: PROXY_CONTAINER,
    image: config.proxyImage,
    ...(config.imagePullPolicy === undefined ? {} : { imagePullPolicy: config.imagePullPolicy }),
    command: ["weft"],
    args: ["proxy"],
    ...(native ? { restartPolicy: "Always" } : {}),
    ports: [{ name: "weft-admin", containerPort: config.adminPort, protocol: "TCP" }],
    env: [
      fieldEnv("POD_NAME", "metadata.name"),
      fieldEnv("POD_NAMESPACE", "metadata.namespace"),
      fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"),
      fieldEnv("POD_IP", "status.podIP"),
      fieldEnv("NODE_NAME", "spec.nodeName"),
      env("WEFT_PROXY_MODE", "sidecar"),
      ...(workload === undefined ? [] : [env(WORKLOAD_ENV, workload)]),
      env("WEFT_CONTROLLER_ADDRESS", config.controllerAddress),
      env("WEFT_TOKEN_PATH", `${TOKEN_MOUNT_PATH}/${TOKEN_FILE}`),
      env("WEFT_ADMIN_PORT", String(config.adminPort)),
      env("WEFT_INBOUND_PORT", String(config.inboundPort)),
      env("WEFT_OUTBOUND_PORT", String(config.outboundPort)),
      env("WEFT_LOG_LEVEL", o.logLevel),
      env("NODE_OPTIONS", SIDECAR_NODE_OPTIONS),
      env(NODE_ARGS_ENV, SIDECAR_NODE_ARGS_BY_TUNING[o.proxyTuning]),
      ...tracingEnv(config),
      ...(config.trustBundlePem === undefined ? [] : [env(TRUST_BUNDLE_ENV, config.trustBundlePem)]),
      ...(config.controllerInsecure === true ? [env("WEFT_CONTROLLER_INSECURE", "true")] : []),
      ...(Object.keys(appProbes).length > 0 ? [env(APP_PROBES_ENV, canonicalJson(appProbes))] : []),
      ...(o.inboundMtls === "strict" ? [env(INBOUND_MTLS_ENV, "strict")] : []),
    ],
    resources: { requests: { ...o.resources.requests }, limits: { ...o.resources.limits } },
    securityContext: {
      runAsUser: config.proxyUid,
      runAsGroup: config.proxyUid,
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true },
      { name: SCRATCH_VOLUME, mountPath: "/tmp" },
    ],
    readinessProbe: { ...ready(), periodSeconds: 2, failureThreshold: 3 },
  };
  if (native) c["startupProbe"] = { ...ready(), periodSeconds: 1, failureThreshold: 120 };
  else c["lifecycle"] = { postStart: { exec: { command: ["node", "-e", waitReadyScript(config.adminPort)] } } };
  return c;
}

export function proxyVolumes(config: InjectorConfig): Record<string, unknown>[] {
  return [
    {
      name: TOKEN_VOLUME,
      projected: {
        sources: [{ serviceAccountToken: { audience: config.tokenAudience, expirationSeconds: config.tokenExpirationSeconds, path: TOKEN_FILE } }],
      },
    },
    { name: SCRATCH_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
  ];
}
