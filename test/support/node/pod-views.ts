// pod-views: what real-node tests read about pods — a Ready pod of an app label, every pod of it, and a
// container's memory working set as the kubelet's cgroup stats give it (the summary API, as
// `kubectl top` and the eviction manager see it), once or sampled every 2 s while the test drives load.
// Takes the SharedCluster; gives plain views. Must not: change anything in the cluster, or block the event
// loop while sampling (the process sampling is the one generating the load).
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

const summaryPath = `/api/v1/nodes/${NODE_NAME}/proxy/stats/summary`;

/** The container's working set in the kubelet summary's JSON text, or undefined. */
function workingSetIn(summaryText: string, ns: string, pod: string, container: string): number | undefined {
  const summary = JSON.parse(summaryText) as {
    pods: { podRef: { name: string; namespace: string }; containers: { name: string; memory?: { workingSetBytes?: number } }[] }[];
  };
  return summary.pods.find((p) => p.podRef.namespace === ns && p.podRef.name === pod)?.containers.find((x) => x.name === container)?.memory?.workingSetBytes;
}

/** The container's memory working set in bytes (kubelet summary API), or undefined. */
export function workingSetBytes(c: SharedCluster, ns: string, pod: string, container: string): number | undefined {
  return workingSetIn(c.kubectl(["get", "--raw", summaryPath]), ns, pod, container);
}

/**
 * Samples a container's working set every 2 s until stop(), which gives the peak seen (0 if none). A sample
 * is a kubectl child the event loop does not wait for (kubectlAsync): the load this process drives keeps its
 * schedule. At most one is out at a time (a tick while one is out is skipped), each killed after 10 s; the
 * one out at stop() is killed and not counted, so only samples answered before stop() count. A failed sample
 * (the summary API busy) is skipped.
 */
export function workingSetPeak(c: SharedCluster, ns: string, pod: string, container: string): { stop(): number } {
  let peak = 0;
  let out = false;
  let stopped = false;
  const abort = new AbortController();
  const timer = setInterval(() => {
    if (out) return;
    out = true;
    c.kubectlAsync(["get", "--raw", summaryPath], 10_000, abort.signal).then(
      (text) => {
        out = false;
        if (stopped) return;
        try {
          peak = Math.max(peak, workingSetIn(text, ns, pod, container) ?? 0);
        } catch { /* next sample */ }
      },
      () => {
        out = false;
      },
    );
  }, 2_000);
  return {
    stop: () => {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        abort.abort();
      }
      return peak;
    },
  };
}

export const mib = (bytes: number | undefined): number | null => (bytes === undefined ? null : Math.round((bytes / 1048576) * 10) / 10);
