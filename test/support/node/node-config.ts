// node-config: the configuration files of the real node's programs, as text.
// Takes a NodeLayout and the control plane's directory (PKI, kubeconfigs); gives containerd's
// config.toml, the CNI network list, the KubeletConfiguration and the KubeProxyConfiguration.
// The settings that matter on these machines (docs/test-cluster.md "Real node"): containerd with
// restrict_oom_score_adj (root here lacks CAP_SYS_RESOURCE), cgroupfs, its own root/state/socket, CNI
// netns mounts under its state dir; the kubelet on cgroupfs with its own cgroupRoot and cgroup v1
// allowed, image GC off (images exist only locally), low eviction thresholds, an empty resolv.conf;
// kube-proxy in iptables mode that leaves the host-global conntrack table size alone.
// Must not: write files or start anything (pure text).
import { join } from "node:path";
import { IMAGE_REFS } from "../../../tools/image/build-images.ts";
import { CLUSTER_CIDR, CLUSTER_DNS, NODE_IP, NODE_NAME, POD_CIDR, type NodeLayout } from "./node-layout.ts";

export function containerdConfig(l: NodeLayout): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${l.containerdRoot}"
state = "${l.containerdState}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${l.containerdSocket}"

[ttrpc]
  address = "${l.containerdSocket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(l.dir, "containerd/opt")}"

[${cri}]
  sandbox_image = "${IMAGE_REFS.pause}"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${l.cniConfDir}"
  max_conf_num = 1
`;
}

export function cniConfig(l: NodeLayout): string {
  return `${
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "weft-node",
      plugins: [{
        type: "bridge",
        bridge: "cni0",
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: l.cniDataDir },
      }],
    }, null, 2)
  }\n`;
}

export function kubeletConfig(l: NodeLayout, pki: string): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${join(pki, "kubelet.crt")}
tlsPrivateKeyFile: ${join(pki, "kubelet.key")}
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: ${join(pki, "ca.crt")} }
authorization: { mode: Webhook }
containerRuntimeEndpoint: unix://${l.containerdSocket}
cgroupDriver: cgroupfs
cgroupRoot: ${l.cgroupRoot}
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
failCgroupV1: false
failSwapOn: false
protectKernelDefaults: false
clusterDNS: [${CLUSTER_DNS}]
clusterDomain: cluster.local
resolvConf: ${l.resolvConf}
podLogsDir: ${l.podLogsDir}
maxPods: 110
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 50Mi, nodefs.available: 1%, nodefs.inodesFree: 1%, imagefs.available: 1% }
evictionPressureTransitionPeriod: 10s
syncFrequency: 10s
nodeStatusUpdateFrequency: 5s
registerNode: true
rotateCertificates: false
serverTLSBootstrap: false
`;
}

export function kubeProxyConfig(kubeconfig: string): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: ${kubeconfig} }
mode: iptables
clusterCIDR: ${CLUSTER_CIDR}
hostnameOverride: ${NODE_NAME}
bindAddress: ${NODE_IP}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [primary]
iptables: { minSyncPeriod: 0s, syncPeriod: 30s, localhostNodePorts: false }
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
`;
}
