// shared-cluster: what a *.cluster.test.ts file uses of the run's real-node cluster (global-setup.ts).
// Gives `realNodeTier`, the "real-node" tier gate (test/support/tiers.ts: the node cannot run on this
// machine ⇒ a skip with the reason, or under CI a failing test), until() (poll with a deadline, the dump in the error), and sharedCluster() → { kc, kubectl, kubectlAsync, helm, namespace(), dump() }: kubectl and Helm bound to the
// cluster's admin kubeconfig (kubectlAsync: a child that does not block the event loop, for calls made while
// the same process drives load), a fresh namespace per suite (deleted after it, not awaited), and a dump
// of a namespace's pods, events and container logs for a failing step.
// Must not: start or stop the cluster (the global setup owns it), or touch namespaces it did not create.
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, inject } from "vitest";
import { pieceBin } from "../../../tools/toolset.ts";
import { requireTier } from "../tiers.ts";
import { pollFor } from "../poll.ts";
import type { RealNodeInfo } from "./real-node.ts";
import "./real-node-context.ts";

const ctx = inject("realNode");

/** The "real-node" tier: missing when this machine cannot run a real node (node-host.ts realNodeMissing). */
export const realNodeTier = requireTier("real-node", ctx.missing);

export interface SharedCluster {
  readonly info: RealNodeInfo;
  readonly kc: KubeConfig;
  readonly images: NonNullable<typeof ctx.images>;
  kubectl(args: readonly string[], input?: string, timeoutMs?: number): string;
  /** kubectl as a child the event loop does not wait on: for calls made while this process drives load. Killed after `timeoutMs` or on `signal`. */
  kubectlAsync(args: readonly string[], timeoutMs?: number, signal?: AbortSignal): Promise<string>;
  helm(args: readonly string[], timeoutMs?: number): string;
  /** Creates a namespace named `<prefix>-<random>` (labels applied), deleted when the file's tests end. */
  namespace(prefix: string, labels?: Readonly<Record<string, string>>): string;
  /** Pods (wide), events and every container's last log lines in `ns`, for a failure message. */
  dump(ns: string): string;
}

/** Polls `fn` until it gives a value, for at most `timeoutMs`; the error carries the last failure and `onFail()`. */
export function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, onFail: () => string): Promise<T> {
  return pollFor(what, async () => fn(), { timeoutMs, intervalMs: 250, detail: () => `\n${onFail()}` });
}

function run(cmd: string, args: readonly string[], input: string | undefined, timeoutMs: number): string {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd.split("/").at(-1)} ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
  return r.stdout;
}

function runAsync(cmd: string, args: readonly string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, signal }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd.split("/").at(-1)} ${args.join(" ")} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

let shared: SharedCluster | undefined;
const created: string[] = [];

// Registered when a test file imports this module: its namespaces go when its tests end.
afterAll(() => {
  if (ctx.info === undefined) return;
  for (const ns of created.splice(0)) spawnSync(ctx.info.kubectl, [`--kubeconfig=${ctx.info.kubeconfig}`, "delete", "namespace", ns, "--wait=false"], { timeout: 30_000 });
});

export function sharedCluster(): SharedCluster {
  if (shared !== undefined) return shared;
  if (ctx.error !== undefined) throw new Error(`the real-node cluster did not start: ${ctx.error}`);
  if (ctx.info === undefined) throw new Error(`no real-node cluster in this run: ${ctx.missing ?? "unknown reason"}`);
  const info = ctx.info;
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const kubectl = (args: readonly string[], input?: string, timeoutMs = 60_000): string => run(info.kubectl, [`--kubeconfig=${info.kubeconfig}`, ...args], input, timeoutMs);
  shared = {
    info,
    kc,
    images: ctx.images ?? {},
    kubectl,
    kubectlAsync: (args, timeoutMs = 60_000, signal) => runAsync(info.kubectl, [`--kubeconfig=${info.kubeconfig}`, ...args], timeoutMs, signal),
    helm: (args, timeoutMs = 300_000) => {
      const helm = pieceBin("helm", "helm");
      if (helm === undefined) throw new Error("helm not built: run scripts/build-test-cluster.sh helm");
      return run(helm, [`--kubeconfig=${info.kubeconfig}`, ...args], undefined, timeoutMs);
    },
    namespace: (prefix, labels = {}) => {
      const ns = `${prefix}-${randomBytes(3).toString("hex")}`;
      kubectl(["create", "namespace", ns]);
      created.push(ns);
      const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      if (pairs.length > 0) kubectl(["label", "namespace", ns, ...pairs]);
      return ns;
    },
    dump: (ns) => {
      const safe = (args: readonly string[]): string => {
        try {
          return kubectl(args, undefined, 20_000);
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      };
      const parts = [`--- pods in ${ns}`, safe(["-n", ns, "get", "pods", "-o", "wide"]), `--- events in ${ns}`, safe(["-n", ns, "get", "events", "--sort-by=.lastTimestamp"])];
      // Container by container: `--all-containers` gives nothing while one of them has not started.
      const listed = safe(["-n", ns, "get", "pods", "-o", "json"]);
      const pods = (listed.startsWith("{") ? JSON.parse(listed) : { items: [] }) as {
        items: { metadata: { name: string }; spec: { initContainers?: { name: string }[]; containers: { name: string }[] } }[];
      };
      for (const pod of pods.items) {
        for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
          parts.push(`--- ${pod.metadata.name} ${c.name} (last 40 lines)`, safe(["-n", ns, "logs", pod.metadata.name, "-c", c.name, "--tail=40"]));
        }
      }
      return parts.join("\n");
    },
  };
  return shared;
}
