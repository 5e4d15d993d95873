// pod-runner: stands in for a kubelet in Kubernetes-tier tests. Registers a fake Ready Node, binds
// pending Pods to it (no scheduler runs), and writes Pod status (Running, podIP from 10.244.0.0/16,
// Ready/ContainersReady conditions) so the EndpointSlice controller fills slices with ready
// endpoints. Pods being deleted are removed at once (no kubelet would confirm it).
// Takes a KubeClient; gives stop(). Polls every `intervalMs` (bounded work per round).
// Does NOT run containers: pod IPs exist nowhere; traffic to them is never sent.
// Must not: touch Pods bound to other nodes.
import type { KubeClient } from "../../pkg/k8s/index.ts";
import { kubeStatusOf } from "../../pkg/k8s/index.ts";

export interface PodRunner {
  stop(): Promise<void>;
}

interface PodLike {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; resourceVersion?: string };
  spec: { nodeName?: string; containers: { name: string; image?: string }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

export async function startPodRunner(client: KubeClient, opts: { nodeName?: string; intervalMs?: number } = {}): Promise<PodRunner> {
  const node = opts.nodeName ?? "weft-test-node";
  try {
    await client.request("POST", "/api/v1/nodes", { body: { apiVersion: "v1", kind: "Node", metadata: { name: node, labels: { "kubernetes.io/hostname": node } } } });
  } catch (err) {
    if (kubeStatusOf(err) !== 409) throw err;
  }
  const nodeObj = await client.request<Record<string, unknown>>("GET", `/api/v1/nodes/${node}`);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  await client.request("PUT", `/api/v1/nodes/${node}/status`, {
    body: { ...nodeObj, status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "weft pod-runner", lastHeartbeatTime: now, lastTransitionTime: now }], addresses: [{ type: "InternalIP", address: "10.244.255.254" }] } },
  });
  const ips = new Map<string, string>();
  let next = 2;
  const ipFor = (uid: string): string => {
    let ip = ips.get(uid);
    if (ip === undefined) {
      ip = `10.244.${Math.floor(next / 250)}.${(next % 250) + 2}`;
      next++;
      ips.set(uid, ip);
    }
    return ip;
  };

  const round = async (): Promise<void> => {
    const list = await client.request<{ items: PodLike[] }>("GET", "/api/v1/pods");
    for (const p of list.items.slice(0, 500)) {
      const base = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;
      if (p.metadata.deletionTimestamp !== undefined) {
        await client.request("DELETE", base, { body: { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0 } }).catch(() => undefined);
        continue;
      }
      if (p.spec.nodeName === undefined || p.spec.nodeName === "") {
        await client.request("POST", `${base}/binding`, {
          body: { apiVersion: "v1", kind: "Binding", metadata: { name: p.metadata.name }, target: { apiVersion: "v1", kind: "Node", name: node } },
        }).catch(() => undefined);
        continue;
      }
      if (p.spec.nodeName !== node || p.status?.phase === "Running") continue;
      const ip = ipFor(p.metadata.uid);
      const t = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const ready = (type: string) => ({ type, status: "True", lastTransitionTime: t });
      await client.request("PUT", `${base}/status`, {
        body: {
          ...p,
          status: {
            phase: "Running", podIP: ip, podIPs: [{ ip }], hostIP: "10.244.255.254", startTime: t,
            conditions: [ready("PodScheduled"), ready("Initialized"), ready("ContainersReady"), ready("Ready")],
            containerStatuses: p.spec.containers.map((c) => ({ name: c.name, image: c.image ?? "", imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: t } } })),
          },
        },
      }).catch(() => undefined);
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const loop = (): void => {
    if (stopped) return;
    current = round().catch(() => undefined).finally(() => {
      if (!stopped) timer = setTimeout(loop, opts.intervalMs ?? 250);
    });
  };
  loop();
  return {
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current;
    },
  };
}
