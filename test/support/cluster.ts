// cluster: starts and stops a throwaway Kubernetes control plane for Kubernetes-tier tests.
// Takes the binaries scripts/build-test-cluster.sh put in ${WEFT_CACHE_DIR:-~/.cache/weft}/kube-<v>/bin
// and the Gateway API CRDs next to them. Gives { kubeconfigPath, kc, server, stop(),
// restartApiServer(), kubectl() }: etcd, kube-apiserver on 127.0.0.1 (free ports, RBAC, admission
// webhooks on, service CIDR 10.96.0.0/16 — those IPs exist only inside test network namespaces),
// kube-controller-manager (endpointslice, serviceaccount(-token), namespace, garbage-collector,
// deployment, replicaset), and the CRDs installed and Established.
// `clusterSkipReason` is set when the binaries are missing; `clusterTier` is the "kube-cluster" tier
// gate (test/support/tiers.ts) callers declare their tests with.
// Must not: listen on anything but 127.0.0.1, or leave processes behind (stop(), and a
// process-exit hook that kills children if the test process dies first).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { writeClusterPki } from "./cluster-certs.ts";
import { requireTier } from "./tiers.ts";

const repo = resolve(import.meta.dirname, "../..");

function findKubeDir(): string | undefined {
  const gomod = join(repo, "tools/kube/go.mod");
  if (!existsSync(gomod)) return undefined;
  const m = /k8s\.io\/kubernetes (v1\.\d+\.\d+)/.exec(readFileSync(gomod, "utf8"));
  if (m === null) return undefined;
  const dir = join(process.env["WEFT_CACHE_DIR"] ?? join(homedir(), ".cache/weft"), `kube-${m[1]}`);
  return existsSync(join(dir, "stamp")) ? dir : undefined;
}

export const kubeDir: string | undefined = findKubeDir();
const REQUIRED = ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl"];
export const clusterSkipReason: string | undefined =
  kubeDir === undefined || !REQUIRED.every((b) => existsSync(join(kubeDir, "bin", b)))
    ? "test-cluster binaries not built: run scripts/setup-test-deps.sh (scripts/build-test-cluster.sh)"
    : undefined;
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
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (addr !== null && typeof addr === "object" ? res(addr.port) : rej(new Error("no port"))));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHook = false;
function track(p: ChildProcess): ChildProcess {
  live.add(p);
  p.once("exit", () => live.delete(p));
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  return p;
}

function launch(bin: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, "a");
  const p = spawn(bin, args, { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  return track(p);
}

async function kill(p: ChildProcess | undefined): Promise<void> {
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), 5_000);
  await done;
  clearTimeout(timer);
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, proc?: ChildProcess, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc !== undefined && proc.exitCode !== null) {
      const tail = log !== undefined && existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-15).join("\n") : "";
      throw new Error(`${what}: process exited with ${proc.exitCode}\n${tail}`);
    }
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
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
  if (clusterSkipReason !== undefined || kubeDir === undefined) throw new Error(clusterSkipReason);
  const t0 = Date.now();
  const binDir = join(kubeDir, "bin");
  const dir = await mkdtemp(join(tmpdir(), "weft-cluster-"));
  const pki = await writeClusterPki(dir);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const tls: https.RequestOptions = { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey };

  const etcdLog = join(dir, "etcd.log");
  const etcd = launch(join(binDir, "etcd"), [
    "--name=weft-test", `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=weft-test=http://127.0.0.1:${etcdPeer}`, "--unsafe-no-fsync", "--log-level=warn",
  ], etcdLog);
  const procs: { etcd: ChildProcess; api?: ChildProcess; kcm?: ChildProcess } = { etcd };
  const stop = async (): Promise<void> => {
    await kill(procs.kcm);
    await kill(procs.api);
    await kill(procs.etcd);
    if (process.env["WEFT_KEEP_CLUSTER"] === undefined) await rm(dir, { recursive: true, force: true });
  };
  try {
    await until("etcd", () => httpOk(`http://127.0.0.1:${etcdClient}/health`), 30_000, etcd, etcdLog);

    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`, `--secure-port=${apiPort}`, "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
      `--tls-cert-file=${join(dir, "apiserver.crt")}`, `--tls-private-key-file=${join(dir, "apiserver.key")}`,
      `--client-ca-file=${join(dir, "ca.crt")}`, `--cert-dir=${join(dir, "apiserver-certs")}`,
      "--service-cluster-ip-range=10.96.0.0/16", "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc", `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook",
      "--allow-privileged=true", "--enable-aggregator-routing=true", "--v=1",
    ];
    const apiLog = join(dir, "kube-apiserver.log");
    const startApi = async (): Promise<void> => {
      procs.api = launch(join(binDir, "kube-apiserver"), apiArgs, apiLog);
      await until("kube-apiserver", () => httpsOk(`${server}/readyz`, tls), 90_000, procs.api, apiLog);
    };
    await startApi();

    const kubeconfigPath = join(dir, "kubeconfig");
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    await writeFile(kubeconfigPath, [
      "apiVersion: v1", "kind: Config", "current-context: weft-test",
      "clusters:", `- name: weft-test`, `  cluster: { server: "${server}", certificate-authority-data: ${b64(pki.caCert)} }`,
      "users:", `- name: admin`, `  user: { client-certificate-data: ${b64(pki.adminCert)}, client-key-data: ${b64(pki.adminKey)} }`,
      "contexts:", `- name: weft-test`, `  context: { cluster: weft-test, user: admin, namespace: default }`, "",
    ].join("\n"), { mode: 0o600 });

    if (opts.controllerManager !== false) {
      const kcmLog = join(dir, "kube-controller-manager.log");
      procs.kcm = launch(join(binDir, "kube-controller-manager"), [
        `--kubeconfig=${kubeconfigPath}`, "--leader-elect=false", "--bind-address=127.0.0.1", `--secure-port=${await freePort()}`,
        "--controllers=endpointslice-controller,endpointslice-mirroring-controller,serviceaccount-controller,serviceaccount-token-controller,namespace-controller,garbage-collector-controller,deployment-controller,replicaset-controller",
        `--service-account-private-key-file=${join(dir, "sa.key")}`, `--root-ca-file=${join(dir, "ca.crt")}`,
        "--use-service-account-credentials=false", "--v=1",
      ], kcmLog);
    }

    const kubectl = (args: readonly string[], input?: string): string => {
      const r = spawnSync(join(binDir, "kubectl"), [`--kubeconfig=${kubeconfigPath}`, ...args], { input, encoding: "utf8", timeout: 60_000 });
      if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr || r.error?.message}`);
      return r.stdout;
    };
    const crdDir = join(kubeDir, "crds", opts.crdChannel ?? "experimental");
    const crdFiles = readdirSync(crdDir).filter((f) => f.endsWith(".yaml") && f.startsWith("gateway.networking"));
    for (const f of crdFiles) kubectl(["apply", "--server-side", "-f", join(crdDir, f)]);
    kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    return {
      kubeconfigPath, kc, server, dir, binDir, startupMs: Date.now() - t0, kubectl,
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
