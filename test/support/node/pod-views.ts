// pod-views: what real-node tests read about pods — a Ready pod of an app label, every pod of it, and a
// container's memory working set as the kubelet's cgroup stats give it (the summary API, as
// `kubectl top` and the eviction manager see it).
// Takes the SharedCluster; gives plain views. Must not: change anything in the cluster.
import { NODE_NAME } from "./node-layout.ts";
import type { SharedCluster } from "./shared-cluster.ts";

export interface ContainerView {
  name: string;
  restartPolicy?: string;
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { httpGet?: { port: number | string; path?: string }; tcpSocket?: { port: number | string } };
  livenessProbe?: { httpGet?: { port: number | string; path?: string }; tcpSocket?: { port: number | string } };
}

export interface PodView {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { initContainers?: ContainerView[]; containers: ContainerView[] };
  status?: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}

export const isReady = (p: PodView): boolean => p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") === true;

export function pods(c: SharedCluster, ns: string, selector: string): PodView[] {
  return (JSON.parse(c.kubectl(["-n", ns, "get", "pods", "-l", selector, "-o", "json"])) as { items: PodView[] }).items;
}

/** A Ready pod with label app=<app>, or undefined. */
export function readyPod(c: SharedCluster, ns: string, app: string): PodView | undefined {
  return pods(c, ns, `app=${app}`).find(isReady);
}

/** The container's memory working set in bytes (kubelet summary API), or undefined. */
export function workingSetBytes(c: SharedCluster, ns: string, pod: string, container: string): number | undefined {
  const summary = JSON.parse(c.kubectl(["get", "--raw", `/api/v1/nodes/${NODE_NAME}/proxy/stats/summary`])) as {
    pods: { podRef: { name: string; namespace: string }; containers: { name: string; memory?: { workingSetBytes?: number } }[] }[];
  };
  return summary.pods.find((p) => p.podRef.namespace === ns && p.podRef.name === pod)?.containers.find((x) => x.name === container)?.memory?.workingSetBytes;
}

/** Samples a container's working set every 2 s until stop(), which gives the peak seen (0 if none). A failed
 *  sample (the summary API busy) is skipped. */
export function workingSetPeak(c: SharedCluster, ns: string, pod: string, container: string): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, workingSetBytes(c, ns, pod, container) ?? 0);
    } catch { /* next sample */ }
  }, 2_000);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

export const mib = (bytes: number | undefined): number | null => (bytes === undefined ? null : Math.round((bytes / 1048576) * 10) / 10);
