// mutate: the injection decision and patch, as a pure function of (pod, namespace, config).
// Takes a Pod (or pod template wrapped as a Pod), its Namespace (undefined when unknown) and the
// InjectorConfig; gives RFC 6902 JSON Patch ops plus a report saying what was done and why.
// Selection: namespace label weft.dev/inject=enabled selects; pod annotation weft.dev/inject
// (enabled|disabled) overrides it, and so does the pod label of the same name (the annotation wins
// when both are set; the label is what lets the webhook see opted-in pods of unlabelled namespaces). Skips (each with its reason): already injected, excluded
// namespace, hostNetwork, Windows pods, invalid annotation values, malformed pod, an app container
// running as the proxy's UID (its traffic would silently bypass capture).
// Must not: perform I/O, read clocks or randomness, or throw on any input.
import type { Namespace, Pod } from "../pkg/api/index.ts";
import { canonicalJson } from "../pkg/util/canonical-json.ts";
import { ANNOTATION, NAMESPACE_LABEL, readPodOverrides } from "./annotations.ts";
import type { InjectorConfig } from "./injector-config.ts";
import { escapePointer, type JsonPatchOp } from "./json-patch.ts";
import { rewriteAppProbes } from "./app-probes.ts";
import { INIT_CONTAINER, PROXY_CONTAINER, SCRATCH_VOLUME, TOKEN_VOLUME, initArgs, initContainer, proxyContainer, proxyVolumes } from "./sidecar-containers.ts";
import { isRecord } from "../pkg/util/is-record.ts";
import { workloadOf } from "./workload.ts";

export type InjectionReason =
  | "enabled-by-namespace-label"
  | "enabled-by-pod-annotation"
  | "enabled-by-pod-label"
  | "already-injected"
  | "disabled-by-pod-annotation"
  | "disabled-by-pod-label"
  | "namespace-not-enabled"
  | "excluded-namespace"
  | "host-network"
  | "unsupported-os"
  | "invalid-annotation"
  | "invalid-pod";

export interface InjectionReport {
  readonly injected: boolean;
  readonly reason: InjectionReason;
  /** Why an annotation or the pod was refused, one sentence each. */
  readonly problems?: readonly string[];
  readonly mode?: "native-sidecar" | "sidecar-container";
  readonly proxyImage?: string;
  /** The `weft init` arguments (capture ports and exclusions). */
  readonly captureArgs?: readonly string[];
  /** Admin paths of the app probes pointed at the proxy (app-probes.ts), when any. */
  readonly rewrittenProbes?: readonly string[];
}

export interface MutateResult {
  readonly patch: readonly JsonPatchOp[];
  readonly report: InjectionReport;
}

export const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

const skip = (reason: InjectionReason, problems?: string[]): MutateResult => ({
  patch: [],
  report: { injected: false, reason, ...(problems === undefined ? {} : { problems }) },
});

function namesOf(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c) => (isRecord(c) && typeof c["name"] === "string" ? c["name"] : "")) : [];
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) { for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x; }
  return out;
}

function podProblems(pod: Pod): string[] {
  const problems: string[] = [];
  if (!isRecord(pod) || !isRecord(pod.spec)) return ["pod has no spec object"];
  const { containers, initContainers, volumes } = pod.spec as Record<string, unknown>;
  if (!Array.isArray(containers) || containers.length === 0) problems.push("spec.containers must be a non-empty list");
  else if (!containers.every(isRecord)) problems.push("spec.containers entries must be objects");
  if (initContainers !== undefined && (!Array.isArray(initContainers) || !initContainers.every(isRecord))) problems.push("spec.initContainers must be a list of objects");
  if (volumes !== undefined && (!Array.isArray(volumes) || !volumes.every(isRecord))) problems.push("spec.volumes must be a list of objects");
  if (pod.metadata !== undefined && !isRecord(pod.metadata)) problems.push("metadata must be an object");
  return problems;
}

/** App containers whose effective UID (container, else pod securityContext) is the proxy's. */
function appContainersRunningAs(spec: Record<string, unknown>, uid: number): string[] {
  const podUid = isRecord(spec["securityContext"]) ? spec["securityContext"]["runAsUser"] : undefined;
  const out: string[] = [];
  for (const list of [spec["initContainers"], spec["containers"]]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isRecord(c)) continue;
      const own = isRecord(c["securityContext"]) ? c["securityContext"]["runAsUser"] : undefined;
      if ((own ?? podUid) === uid) out.push(typeof c["name"] === "string" ? c["name"] : "?");
    }
  }
  return out;
}

/** The injection decision and patch for one pod (see file comment). */
export function mutate(pod: Pod, namespace: Namespace | undefined, config: InjectorConfig): MutateResult {
  const structural = podProblems(pod);
  if (structural.length > 0) return skip("invalid-pod", structural);
  const spec = pod.spec as Record<string, unknown>;
  const annotations = stringMap(pod.metadata?.annotations);
  const nsName = namespace?.metadata?.name ?? pod.metadata?.namespace ?? "";

  if ([...namesOf(spec["containers"]), ...namesOf(spec["initContainers"])].some((n) => n === PROXY_CONTAINER || n === INIT_CONTAINER)) return skip("already-injected");
  if (config.excludedNamespaces.includes(nsName)) return skip("excluded-namespace");

  const byAnnotation = annotations[ANNOTATION.inject] !== undefined;
  const podChoice = annotations[ANNOTATION.inject] ?? stringMap(pod.metadata?.labels)[ANNOTATION.inject];
  let reason: InjectionReason;
  if (podChoice === "disabled") return skip(byAnnotation ? "disabled-by-pod-annotation" : "disabled-by-pod-label");
  if (podChoice === "enabled") reason = byAnnotation ? "enabled-by-pod-annotation" : "enabled-by-pod-label";
  else if (podChoice !== undefined) return skip("invalid-annotation", [`${ANNOTATION.inject}: "${podChoice.slice(0, 64)}" must be enabled or disabled`]);
  else if (stringMap(namespace?.metadata?.labels)[NAMESPACE_LABEL] === "enabled") reason = "enabled-by-namespace-label";
  else return skip("namespace-not-enabled");

  if (spec["hostNetwork"] === true) return skip("host-network");
  if (isRecord(spec["os"]) && spec["os"]["name"] === "windows") return skip("unsupported-os");
  const sameUid = appContainersRunningAs(spec, config.proxyUid);
  if (sameUid.length > 0) {
    return skip("invalid-pod", sameUid.map((n) => `container ${n} runs as UID ${config.proxyUid}, the proxy's UID: its traffic would bypass the mesh`));
  }
  if (namesOf(spec["volumes"]).some((n) => n === TOKEN_VOLUME || n === SCRATCH_VOLUME)) {
    return skip("invalid-pod", [`spec.volumes already has a volume named ${TOKEN_VOLUME} or ${SCRATCH_VOLUME}`]);
  }
  const { overrides, problems } = readPodOverrides(annotations, config);
  if (problems.length > 0) return skip("invalid-annotation", problems);

  const native = config.nativeSidecars;
  // Probe rewrites name spec.containers by index as given: they go first, before the proxy is inserted.
  const probes = rewriteAppProbes(spec["containers"], config, overrides);
  const rewritten = Object.keys(probes.probes);
  const report: InjectionReport = {
    injected: true,
    reason,
    mode: native ? "native-sidecar" : "sidecar-container",
    proxyImage: config.proxyImage,
    captureArgs: initArgs(config, overrides).slice(1),
    ...(rewritten.length > 0 ? { rewrittenProbes: rewritten } : {}),
  };
  const init = initContainer(config, overrides);
  const proxy = proxyContainer(config, overrides, native, probes.probes, workloadOf(pod));
  const patch: JsonPatchOp[] = [...probes.patch];

  const hasInits = Array.isArray(spec["initContainers"]);
  if (native) {
    // weft-init first (capture), the proxy next, then the app's own init containers — which are
    // therefore meshed too, as the native sidecar is running before they start.
    if (!hasInits) patch.push({ op: "add", path: "/spec/initContainers", value: [init, proxy] });
    else patch.push({ op: "add", path: "/spec/initContainers/0", value: init }, { op: "add", path: "/spec/initContainers/1", value: proxy });
  } else {
    // Capture is set up last among init containers so the app's init containers keep working
    // without a proxy; the proxy is the first container and its postStart hook holds the app
    // containers until it is ready.
    patch.push(hasInits ? { op: "add", path: "/spec/initContainers/-", value: init } : { op: "add", path: "/spec/initContainers", value: [init] });
    patch.push({ op: "add", path: "/spec/containers/0", value: proxy });
  }

  const volumes = proxyVolumes(config);
  if (Array.isArray(spec["volumes"])) { for (const v of volumes) patch.push({ op: "add", path: "/spec/volumes/-", value: v }); }
  else patch.push({ op: "add", path: "/spec/volumes", value: volumes });

  const newAnnotations: Record<string, string> = { [ANNOTATION.status]: canonicalJson(report) };
  const firstApp = namesOf(spec["containers"])[0];
  if (!native && annotations[DEFAULT_CONTAINER_ANNOTATION] === undefined && firstApp) newAnnotations[DEFAULT_CONTAINER_ANNOTATION] = firstApp;
  if (pod.metadata === undefined) patch.push({ op: "add", path: "/metadata", value: { annotations: newAnnotations } });
  else if (!isRecord(pod.metadata.annotations)) patch.push({ op: "add", path: "/metadata/annotations", value: newAnnotations });
  else for (const [k, v] of Object.entries(newAnnotations)) patch.push({ op: "add", path: `/metadata/annotations/${escapePointer(k)}`, value: v });

  return { patch, report };
}
