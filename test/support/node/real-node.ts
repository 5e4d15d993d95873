// real-node: starts and stops a one-node Kubernetes cluster with a real kubelet. Runs inside the node's
// network namespace (cluster-runner.ts is started there with nsenter; every program here inherits it):
// control plane (cluster.ts: etcd, kube-apiserver on :6443, kube-controller-manager), kube-scheduler,
// containerd (own root/state/socket, node-config.ts), the images imported under their real names,
// the kubelet (cgroupfs, own cgroupRoot and dirs), kube-proxy (iptables), then CoreDNS, each awaited.
// Takes a NodeLayout and the images' archive; gives { info (kubeconfig, timings), stop() }.
// Must not: return before the Node and CoreDNS are Ready, or leave a program running when start fails.
import { spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pieceBin } from "../../../tools/toolset.ts";
import { kill, launch, until } from "../child-processes.ts";
import { startCluster, writeKubeconfig, type TestCluster } from "../cluster.ts";
import { corednsManifests } from "./coredns.ts";
import { cniConfig, containerdConfig, kubeletConfig, kubeProxyConfig } from "./node-config.ts";
import { API_PORT, NODE_IP, NODE_NAME, type NodeLayout } from "./node-layout.ts";

const CGROUP_FS = "/sys/fs/cgroup";

export interface NodeImages {
  /** docker-archive to import (tools/image/build-images.ts all.tar). */
  readonly archive: string;
  /** Names it must hold. */
  readonly refs: readonly string[];
}

export interface RealNodeInfo {
  readonly kubeconfig: string;
  readonly server: string;
  readonly kubectl: string;
  readonly dir: string;
  readonly logsDir: string;
  /** Milliseconds per step and in total. */
  readonly timings: Readonly<Record<string, number>>;
}

export interface RealNode {
  readonly info: RealNodeInfo;
  readonly cluster: TestCluster;
  stop(): Promise<void>;
}

function bin(name: string): string {
  const b = pieceBin("k8s", name);
  if (b === undefined) throw new Error(`${name} not built: run scripts/build-test-cluster.sh k8s`);
  return b;
}

export function ctr(l: NodeLayout, args: readonly string[]): string {
  const r = spawnSync("ctr", ["--address", l.containerdSocket, "--namespace", "k8s.io", ...args], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`ctr ${args.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
  return r.stdout;
}

function tail(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
}

export async function startRealNode(l: NodeLayout, images: NodeImages, corednsImage: string): Promise<RealNode> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (step: string, since: number): number => {
    timings[step] = Date.now() - since;
    return Date.now();
  };
  for (const d of [l.dir, l.logsDir, l.cniConfDir, l.cniDataDir, l.kubeletRoot, l.podLogsDir, join(l.dir, "containerd")]) mkdirSync(d, { recursive: true });
  const procs: Record<string, ChildProcess> = {};
  let cluster: TestCluster | undefined;
  const stop = async (): Promise<void> => {
    for (const name of ["kube-proxy", "kubelet", "kube-scheduler"]) await kill(procs[name]);
    await removeContainers(l).catch(() => undefined);
    await kill(procs["containerd"]);
    await cluster?.stop();
  };
  try {
    let t = Date.now();
    cluster = await startCluster({ node: { name: NODE_NAME, ip: NODE_IP }, dir: l.controlPlaneDir });
    const pki = l.controlPlaneDir;
    const server = `https://127.0.0.1:${API_PORT}`;
    t = mark("controlPlane", t);

    const kubeconfigs: Record<string, string> = {};
    for (const user of ["node", "kube-proxy", "kube-scheduler"]) {
      kubeconfigs[user] = join(pki, `${user}.kubeconfig`);
      await writeKubeconfig(kubeconfigs[user], `https://${NODE_IP}:${API_PORT}`, pki, user);
    }
    procs["kube-scheduler"] = launch(bin("kube-scheduler"), [
      `--kubeconfig=${kubeconfigs["kube-scheduler"]}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      "--secure-port=10259",
      "--v=1",
    ], join(l.logsDir, "kube-scheduler.log"));

    writeFileSync(l.containerdConfig, containerdConfig(l));
    writeFileSync(join(l.cniConfDir, "10-weft-node.conflist"), cniConfig(l));
    procs["containerd"] = launch("containerd", ["--config", l.containerdConfig], join(l.logsDir, "containerd.log"));
    await until("containerd", async () => spawnSync("ctr", ["--address", l.containerdSocket, "version"], { timeout: 5_000 }).status === 0, 30_000, procs["containerd"],
      join(l.logsDir, "containerd.log"));
    t = mark("containerd", t);
    ctr(l, ["images", "import", images.archive]);
    const listed = ctr(l, ["images", "list", "-q"]).split("\n");
    for (const ref of images.refs) if (!listed.includes(ref)) throw new Error(`image ${ref} not in containerd after importing ${images.archive}`);
    t = mark("imageImport", t);

    createCgroupRoot(l);
    writeFileSync(l.resolvConf, "");
    writeFileSync(l.kubeletConfig, kubeletConfig(l, pki));
    procs["kubelet"] = launch(bin("kubelet"), [
      `--config=${l.kubeletConfig}`,
      `--kubeconfig=${kubeconfigs["node"]}`,
      `--root-dir=${l.kubeletRoot}`,
      `--cert-dir=${join(l.kubeletRoot, "pki")}`,
      `--node-ip=${NODE_IP}`,
      `--hostname-override=${NODE_NAME}`,
      "--v=1",
    ], join(l.logsDir, "kubelet.log"));
    writeFileSync(l.kubeProxyConfig, kubeProxyConfig(kubeconfigs["kube-proxy"]!));
    procs["kube-proxy"] = launch(bin("kube-proxy"), [`--config=${l.kubeProxyConfig}`, "--v=1"], join(l.logsDir, "kube-proxy.log"));
    const c = cluster;
    await until("Node Ready", async () => /True/.test(c.kubectl(["get", "node", NODE_NAME, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])), 120_000, procs["kubelet"],
      join(l.logsDir, "kubelet.log"));
    t = mark("nodeReady", t);

    c.kubectl(["apply", "-f", "-"], corednsManifests(corednsImage));
    await until("CoreDNS Ready", async () => {
      const ready = c.kubectl(["-n", "kube-system", "get", "deploy", "coredns", "-o", "jsonpath={.status.readyReplicas}"]);
      return ready.trim() === "1";
    }, 120_000, procs["kubelet"], join(l.logsDir, "kubelet.log"));
    mark("dnsReady", t);
    timings["total"] = Date.now() - t0;
    return {
      info: { kubeconfig: cluster.kubeconfigPath, server, kubectl: bin("kubectl"), dir: l.dir, logsDir: l.logsDir, timings },
      cluster,
      stop,
    };
  } catch (e) {
    const detail = ["kubelet", "containerd", "kube-proxy"].map((n) => `--- ${n}.log (tail)\n${tail(join(l.logsDir, `${n}.log`), 12)}`).join("\n");
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${detail}`, { cause: e });
  }
}

/**
 * The kubelet wants its cgroupRoot to exist in every hierarchy; cpuset's needs its cpus and mems set
 * (copied from the root). node-cleanup.ts removes these trees.
 */
function createCgroupRoot(l: NodeLayout): void {
  for (const h of readdirSync(CGROUP_FS)) {
    const root = join(CGROUP_FS, h);
    if (!existsSync(join(root, "cgroup.procs"))) continue;
    const dir = join(root, l.cgroupRoot);
    mkdirSync(dir, { recursive: true });
    if (h === "cpuset") { for (const f of ["cpuset.cpus", "cpuset.mems"]) writeFileSync(join(dir, f), readFileSync(join(root, f))); }
  }
}

/** Stops every pod container and sandbox (so the kubelet's volumes and the shims go), best effort. */
async function removeContainers(l: NodeLayout): Promise<void> {
  if (!existsSync(l.containerdSocket)) return;
  const tasks = ctr(l, ["tasks", "list", "-q"]).split("\n").filter((x) => x !== "");
  for (const id of tasks) spawnSync("ctr", ["--address", l.containerdSocket, "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", id], { timeout: 10_000 });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const left = ctr(l, ["tasks", "list"]).split("\n").filter((x) => /RUNNING|PAUSED|CREATED/.test(x));
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const id of tasks) spawnSync("ctr", ["--address", l.containerdSocket, "-n", "k8s.io", "tasks", "delete", "-f", id], { timeout: 10_000 });
}
