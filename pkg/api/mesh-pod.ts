// mesh-pod: whether a Pod runs a Weft sidecar — the one test the controller uses to decide that an
// endpoint is reached over mesh mTLS (it gets a SPIFFE identity) or in plaintext (an unmeshed pod, a
// gateway pod). Takes a Pod; gives a boolean.
// The signal is the sidecar container itself, as the injector (webhook or `weftctl inject`) adds it: an
// init container named weft-proxy with restartPolicy Always (native sidecar), or a container named
// weft-proxy (sidecar-container mode). Pod containers cannot be added, removed or renamed after
// creation, so no later edit (unlike the weft.dev/injection-status annotation, which anyone allowed to
// patch the pod could change) can make clients downgrade a meshed pod's traffic to plaintext.
// Must not: read annotations or status, or throw on a malformed spec.
import type { Pod } from "./core-types.ts";

/** The sidecar container's name (injector/sidecar-containers.ts adds it under this name). */
export const WEFT_PROXY_CONTAINER = "weft-proxy";

function named(list: readonly unknown[] | undefined, pick: (c: Record<string, unknown>) => boolean): boolean {
  if (!Array.isArray(list)) return false;
  return list.some((c: unknown) => typeof c === "object" && c !== null && (c as Record<string, unknown>)["name"] === WEFT_PROXY_CONTAINER && pick(c as Record<string, unknown>));
}

export function podRunsWeftSidecar(pod: Pod): boolean {
  const spec = pod.spec as Pod["spec"] | undefined;
  if (spec === undefined || spec === null) return false;
  return named(spec.initContainers, (c) => c["restartPolicy"] === "Always") || named(spec.containers, () => true);
}
