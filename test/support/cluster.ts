// cluster: starts and stops a throwaway Kubernetes control plane for Kubernetes-tier tests.
// Takes the binaries scripts/build-test-cluster.sh put in ${WEFT_CACHE_DIR:-~/.cache/weft}/k8s-<v>/bin
// and the Gateway API CRDs of gateway-api-<v>/crds (test/support/toolset.ts finds them). Gives { kubeconfigPath, kc, server, stop(),
// restartApiServer(), kubectl() }: etcd, kube-apiserver on 127.0.0.1 (free ports, RBAC, admission
// webhooks on, service CIDR 10.96.0.0/16 — those IPs exist only inside test network namespaces),
// kube-controller-manager (endpointslice, serviceaccount(-token), namespace, garbage-collector,
// deployment, replicaset), and the CRDs installed and Established.
// `clusterSkipReason` is set when the binaries are missing; `clusterTier` is the "kube-cluster" tier
// gate (test/support/tiers.ts) callers declare their tests with.
// Must not: listen on anything but 127.0.0.1, or leave processes behind (stop(), and a
// process-exit hook that kills children if the test process dies first).
import { spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { kill, launch, until } from "./child-processes.ts";
import { writeClusterPki, type PkiNode } from "./cluster-certs.ts";
import { pieceBin, pieceDir, toolsetMissing } from "../../tools/toolset.ts";
import { requireTier } from "./tiers.ts";
import { freePort } from "./free-port.ts";

const kubeDir: string | undefined = pieceDir("k8s");
const crdRoot: string | undefined = pieceDir("gateway-api");
const REQUIRED = ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl"];
export const clusterSkipReason: string | undefined = toolsetMissing(["k8s", "gateway-api"]) ??
  (REQUIRED.every((b) => pieceBin("k8s", b) !== undefined) ? undefined : "test-cluster binaries incomplete: run scripts/build-test-cluster.sh k8s");
export const clusterTier = requireTier("kube-cluster", clusterSkipReason);

export interface TestCluster {
  readonly kubeconfigPath: string;
  readonly kc: KubeConfig;
  readonly server: string;
  readonly dir: string;
  readonly binDir: string;
  /** Milliseconds from start to CRDs Established. */
  readonly startupMs: number;
  kubectl(args: readonly string[], input?: string): string;
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** "experimental" (default: a superset, includes HTTPRoute retry/session persistence) or "standard". */
  readonly crdChannel?: "standard" | "experimental";
  readonly controllerManager?: boolean;
  /**
   * A control plane for a real node (test/support/node/): the caller runs inside the node's network
   * namespace. The API server listens on every address of it at port 6443, advertises the node IP
   * (the `kubernetes` Service has an endpoint), authorizes Node,RBAC with NodeRestriction, and can
   * reach the kubelet; the controller manager runs every default controller as
   * system:kube-controller-manager; the PKI has the node's certificates (cluster-certs.ts).
   */
  readonly node?: PkiNode;
  /** Where to keep the files (default: a new temp dir, removed by stop() unless WEFT_KEEP_CLUSTER). */
  readonly dir?: string;
}

/** Writes a kubeconfig for a client certificate pair of the cluster PKI (files in `dir`). */
export async function writeKubeconfig(path: string, server: string, dir: string, user: string, namespace = "default"): Promise<void> {
  const b64 = (f: string): string => readFileSync(join(dir, f)).toString("base64");
  await writeFile(path, [
    "apiVersion: v1",
    "kind: Config",
    "current-context: weft-test",
    "clusters:",
    "- name: weft-test",
    `  cluster: { server: "${server}", certificate-authority-data: ${b64("ca.crt")} }`,
    "users:",
    `- name: ${user}`,
    `  user: { client-certificate-data: ${b64(`${user}.crt`)}, client-key-data: ${b64(`${user}.key`)} }`,
    "contexts:",
    "- name: weft-test",
    `  context: { cluster: weft-test, user: ${user}, namespace: ${namespace} }`,
    "",
  ].join("\n"), { mode: 0o600 });
}

function httpsOk(url: string, tls: https.RequestOptions): Promise<boolean> {
  return new Promise((res) => {
    const req = https.get(url, { ...tls, timeout: 2_000 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on("error", () => res(false));
    req.on("timeout", () => req.destroy());
  });
}

function httpOk(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  if (clusterSkipReason !== undefined || kubeDir === undefined || crdRoot === undefined) throw new Error(clusterSkipReason);
  const t0 = Date.now();
  const binDir = join(kubeDir, "bin");
  const node = opts.node;
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), "weft-cluster-"));
  await mkdir(dir, { recursive: true });
  const pki = await writeClusterPki(dir, node);
  const [etcdClient, etcdPeer, apiPort] = node !== undefined ? [2379, 2380, 6443] : [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const tls: https.RequestOptions = { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey };

  const etcdLog = join(dir, "etcd.log");
  const etcd = launch(join(binDir, "etcd"), [
    "--name=weft-test",
    `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=weft-test=http://127.0.0.1:${etcdPeer}`,
    "--unsafe-no-fsync",
    "--log-level=warn",
  ], etcdLog);
  const procs: { etcd: ChildProcess; api?: ChildProcess; kcm?: ChildProcess } = { etcd };
  const stop = async (): Promise<void> => {
    await kill(procs.kcm);
    await kill(procs.api);
    await kill(procs.etcd);
    if (process.env["WEFT_KEEP_CLUSTER"] === undefined && opts.dir === undefined) await rm(dir, { recursive: true, force: true });
  };
  try {
    await until("etcd", () => httpOk(`http://127.0.0.1:${etcdClient}/health`), 30_000, etcd, etcdLog);

    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--secure-port=${apiPort}`,
      ...(node === undefined
        ? ["--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none"]
        : ["--bind-address=0.0.0.0", `--advertise-address=${node.ip}`, `--kubelet-client-certificate=${join(dir, "apiserver-kubelet.crt")}`,
          `--kubelet-client-key=${join(dir, "apiserver-kubelet.key")}`, "--kubelet-preferred-address-types=InternalIP"]),
      `--tls-cert-file=${join(dir, "apiserver.crt")}`,
      `--tls-private-key-file=${join(dir, "apiserver.key")}`,
      `--client-ca-file=${join(dir, "ca.crt")}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      `--authorization-mode=${node === undefined ? "RBAC" : "Node,RBAC"}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      `--enable-admission-plugins=${node === undefined ? "" : "NodeRestriction,"}MutatingAdmissionWebhook,ValidatingAdmissionWebhook`,
      "--allow-privileged=true",
      "--enable-aggregator-routing=true",
      "--v=1",
    ];
    const apiLog = join(dir, "kube-apiserver.log");
    const startApi = async (): Promise<void> => {
      procs.api = launch(join(binDir, "kube-apiserver"), apiArgs, apiLog);
      await until("kube-apiserver", () => httpsOk(`${server}/readyz`, tls), 90_000, procs.api, apiLog);
    };
    await startApi();

    const kubeconfigPath = join(dir, "kubeconfig");
    await writeKubeconfig(kubeconfigPath, server, dir, "admin");

    if (opts.controllerManager !== false) {
      const kcmLog = join(dir, "kube-controller-manager.log");
      const kcmKubeconfig = node === undefined ? kubeconfigPath : join(dir, "kube-controller-manager.kubeconfig");
      if (node !== undefined) await writeKubeconfig(kcmKubeconfig, server, dir, "kube-controller-manager");
      procs.kcm = launch(join(binDir, "kube-controller-manager"), [
        `--kubeconfig=${kcmKubeconfig}`,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${node === undefined ? await freePort() : 10257}`,
        node === undefined
          ? "--controllers=endpointslice-controller,endpointslice-mirroring-controller,serviceaccount-controller,serviceaccount-token-controller,namespace-controller,garbage-collector-controller,deployment-controller,replicaset-controller"
          : "--controllers=*",
        `--service-account-private-key-file=${join(dir, "sa.key")}`,
        `--root-ca-file=${join(dir, "ca.crt")}`,
        `--use-service-account-credentials=${node !== undefined}`,
        "--v=1",
      ], kcmLog);
    }

    const kubectl = (args: readonly string[], input?: string): string => {
      const r = spawnSync(join(binDir, "kubectl"), [`--kubeconfig=${kubeconfigPath}`, ...args], { input, encoding: "utf8", timeout: 60_000 });
      if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr || r.error?.message}`);
      return r.stdout;
    };
    const crdDir = join(crdRoot, "crds", opts.crdChannel ?? "experimental");
    const crdFiles = readdirSync(crdDir).filter((f) => f.endsWith(".yaml") && f.startsWith("gateway.networking"));
    for (const f of crdFiles) kubectl(["apply", "--server-side", "-f", join(crdDir, f)]);
    kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    return {
      kubeconfigPath,
      kc,
      server,
      dir,
      binDir,
      startupMs: Date.now() - t0,
      kubectl,
      async restartApiServer(): Promise<void> {
        await kill(procs.api);
        await startApi();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
