// node-layout: the fixed facts of the real-node test cluster and where one run keeps its files.
// Takes a run directory; gives the addresses, names and paths every node part agrees on (NodeLayout).
// Everything lives in the node's own network namespace, so addresses and ports are fixed: only one such
// cluster runs on a machine at a time (HOST_LOCK), because the kubelet's device-plugin socket
// (/var/lib/kubelet/device-plugins/kubelet.sock) is a fixed host path.
// Must not: create anything (pure paths and constants).
import { join } from "node:path";

/** Host-wide lock file: parallel test runs from several checkouts take turns. */
export const HOST_LOCK = "/run/weft-test-node.lock";
/** What the lock holder is running (NodeState JSON): a later run cleans up after a holder that died. */
export const HOST_STATE = "/run/weft-test-node.json";

export const NODE_NAME = "weft-node";
export const NODE_IP = "10.200.0.2";
export const POD_CIDR = "10.244.0.0/24";
export const CLUSTER_CIDR = "10.244.0.0/16";
export const SERVICE_CIDR = "10.96.0.0/16";
export const CLUSTER_DNS = "10.96.0.10";
export const API_PORT = 6443;

export interface NodeLayout {
  readonly id: string;
  readonly dir: string;
  /** Network namespace name (`ip netns`) and its bind-mount path for nsenter --net=. */
  readonly netns: string;
  readonly netnsPath: string;
  /** The veth end that carries the node IP (its peer stays down: nothing leaves). */
  readonly link: string;
  readonly peer: string;
  readonly controlPlaneDir: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly containerdSocket: string;
  readonly containerdConfig: string;
  readonly cniConfDir: string;
  readonly cniDataDir: string;
  readonly kubeletRoot: string;
  readonly kubeletConfig: string;
  readonly podLogsDir: string;
  readonly resolvConf: string;
  readonly kubeProxyConfig: string;
  /** kubelet cgroupRoot: one tree per hierarchy to remove at the end. */
  readonly cgroupRoot: string;
  readonly logsDir: string;
}

export function nodeLayout(id: string, dir: string): NodeLayout {
  const netns = `weft-node-${id}`;
  return {
    id,
    dir,
    netns,
    netnsPath: `/run/netns/${netns}`,
    link: "wnode0",
    peer: "wnode0-peer",
    controlPlaneDir: join(dir, "control-plane"),
    containerdRoot: join(dir, "containerd/root"),
    containerdState: join(dir, "containerd/state"),
    containerdSocket: join(dir, "containerd/containerd.sock"),
    containerdConfig: join(dir, "containerd/config.toml"),
    cniConfDir: join(dir, "cni/net.d"),
    cniDataDir: join(dir, "cni/data"),
    kubeletRoot: join(dir, "kubelet"),
    kubeletConfig: join(dir, "kubelet-config.yaml"),
    podLogsDir: join(dir, "pod-logs"),
    resolvConf: join(dir, "resolv.conf"),
    kubeProxyConfig: join(dir, "kube-proxy-config.yaml"),
    cgroupRoot: `/weft-node-${id}`,
    logsDir: join(dir, "logs"),
  };
}
