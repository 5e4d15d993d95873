// workload: the workload a pod belongs to, `<Kind>/<name>`, handed to the sidecar as WEFT_WORKLOAD so
// its traces name one service per workload (pkg/telemetry resource.ts): a Deployment's pod (owned by a
// ReplicaSet `<deployment>-<pod-template-hash>`) → Deployment/<deployment>; a StatefulSet's, DaemonSet's or
// Job's → that owner; a bare Pod → Pod/<name> (or its generateName without the trailing dash).
// Takes the pod as admitted; gives the reference or undefined. Must not: trust a name that is not a
// DNS subdomain (the value lands in an env var and a trace resource).
import type { Pod } from "../pkg/api/index.ts";

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const KIND = /^[A-Za-z]{1,63}$/;

export function workloadOf(pod: Pod): string | undefined {
  const meta = pod.metadata;
  const owners = meta?.ownerReferences ?? [];
  const owner = owners.find((o) => o.controller === true) ?? owners[0];
  if (owner !== undefined) {
    if (!KIND.test(owner.kind) || !NAME.test(owner.name)) return undefined;
    const hash = meta?.labels?.["pod-template-hash"];
    if (owner.kind === "ReplicaSet" && hash !== undefined && hash !== "" && owner.name.endsWith(`-${hash}`)) {
      return `Deployment/${owner.name.slice(0, -hash.length - 1)}`;
    }
    return `${owner.kind}/${owner.name}`;
  }
  // A Pod admitted by generateName has no name yet.
  const generated = (meta as { generateName?: unknown } | undefined)?.generateName;
  const name = meta?.name !== undefined && meta.name !== "" ? meta.name : typeof generated === "string" ? generated.replace(/-+$/, "") : undefined;
  return name !== undefined && NAME.test(name) ? `Pod/${name}` : undefined;
}
