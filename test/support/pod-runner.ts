// pod-runner: stands in for a kubelet in Kubernetes-tier tests. Registers a fake Ready Node, binds
// pending Pods to it (no scheduler runs), and writes Pod status (Running, podIP from 10.244.0.0/16,
// Ready/ContainersReady conditions) so the EndpointSlice controller fills slices with ready
// endpoints. Pods being deleted are removed at once (no kubelet would confirm it).
// Takes a KubeClient; gives stop(). Polls every `intervalMs` (bounded work per round).
// Without `network`, Pods are status only: their IPs exist nowhere and get no traffic. With a
// PodNetwork (cluster-pod-netns.ts), each Pod gets its own network namespace with its IP, and the
// first container's `command` + `args` run inside it (the image is ignored; env gets literal `env`
// values plus POD_NAME, POD_NAMESPACE, POD_IP); Ready is set once every declared containerPort
// accepts TCP from the host. Deleted Pods' processes and namespaces are removed.
// Must not: touch Pods bound to other nodes.
import type { KubeClient } from "../../pkg/k8s/index.ts";
import { kubeStatusOf } from "../../pkg/k8s/index.ts";
import { connect } from "node:net";
import type { PodNetwork } from "./cluster-pod-netns.ts";

export interface PodRunner {
  stop(): Promise<void>;
}

interface PodLike {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; resourceVersion?: string };
  spec: {
    nodeName?: string;
    containers: { name: string; image?: string; command?: string[]; args?: string[]; env?: { name: string; value?: string }[]; ports?: { containerPort: number }[] }[];
  };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 500 });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
    s.once("timeout", () => { s.destroy(); resolve(false); });
  });
}

async function portsOpen(ip: string, ports: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await tcpOpen(ip, port))) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return true;
}

export async function startPodRunner(client: KubeClient, opts: { nodeName?: string; intervalMs?: number; network?: PodNetwork; logDir?: string } = {}): Promise<PodRunner> {
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
      ip = opts.network?.allocate() ?? `10.244.${Math.floor(next / 250)}.${(next % 250) + 2}`;
      next++;
      ips.set(uid, ip);
    }
    return ip;
  };
  const starting = new Set<string>();

  /** Starts the pod's namespace and process; true once its ports accept connections. */
  const runPod = async (p: PodLike, ip: string): Promise<boolean> => {
    if (opts.network === undefined) return true;
    const c = p.spec.containers[0];
    const command = c === undefined ? undefined : [...(c.command ?? []), ...(c.args ?? [])];
    const env: Record<string, string> = { POD_NAME: p.metadata.name, POD_NAMESPACE: p.metadata.namespace, POD_IP: ip };
    for (const e of c?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    const log = opts.logDir === undefined ? undefined : `${opts.logDir}/pod-${p.metadata.namespace}-${p.metadata.name}.log`;
    opts.network.attach(p.metadata.uid, ip, command, env, log);
    const ports = (c?.ports ?? []).map((x) => x.containerPort);
    return command === undefined || command.length === 0 || portsOpen(ip, ports, 15_000);
  };

  const round = async (): Promise<void> => {
    const list = await client.request<{ items: PodLike[] }>("GET", "/api/v1/pods");
    const present = new Set(list.items.map((p) => p.metadata.uid));
    for (const uid of [...ips.keys()]) {
      if (present.has(uid)) continue;
      opts.network?.detach(uid);
      ips.delete(uid);
    }
    for (const p of list.items.slice(0, 500)) {
      const base = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;
      if (p.metadata.deletionTimestamp !== undefined) {
        opts.network?.detach(p.metadata.uid);
        await client.request("DELETE", base, { body: { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0 } }).catch(() => undefined);
        continue;
      }
      if (p.spec.nodeName === undefined || p.spec.nodeName === "") {
        await client.request("POST", `${base}/binding`, {
          body: { apiVersion: "v1", kind: "Binding", metadata: { name: p.metadata.name }, target: { apiVersion: "v1", kind: "Node", name: node } },
        }).catch(() => undefined);
        continue;
      }
      if (p.spec.nodeName !== node || p.status?.phase === "Running" || starting.has(p.metadata.uid)) continue;
      const ip = ipFor(p.metadata.uid);
      starting.add(p.metadata.uid);
      void runPod(p, ip).then((ok) => (ok ? markReady(p, base, ip) : undefined), () => undefined).finally(() => starting.delete(p.metadata.uid));
    }
  };

  const markReady = async (p: PodLike, base: string, ip: string): Promise<void> => {
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
      for (const uid of ips.keys()) opts.network?.detach(uid);
    },
  };
}
