// node-host: the host side of a real-node cluster: what it needs (realNodeMissing), and bringing one
// up and down around a test run. Up: take the host-wide lock (one real node per machine; runs from
// other checkouts wait), clean up after a holder that died, record the host's sysctls and fixed paths
// (host-snapshot.ts), build the images (scripts/build-images.sh, cached), create the network namespace,
// and start cluster-runner.ts inside it. Down: stop the runner, remove what is left (node-cleanup.ts),
// put the host back, and report anything that still differs.
// Takes nothing (paths from node-layout.ts and tools/toolset.ts); gives startNodeHost() → NodeHost.
// Must not: start without the lock, or release it before the host is restored.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { repoRoot, toolsetMissing } from "../../../tools/toolset.ts";
import { ALL_IMAGES_TAR, IMAGE_ALIASES, IMAGE_REFS, imagesDir } from "../../../tools/image/build-images.ts";
import { hostChanges, restoreHost, takeHostSnapshot, type HostSnapshot } from "./host-snapshot.ts";
import { cleanupNode, nodeLeftovers } from "./node-cleanup.ts";
import { HOST_LOCK, HOST_STATE, nodeLayout, type NodeLayout } from "./node-layout.ts";
import { createNodeNetns } from "./node-netns.ts";
import type { RunnerArgs } from "./cluster-runner.ts";
import type { RealNodeInfo } from "./real-node.ts";

const COMMANDS = ["nsenter", "ip", "iptables", "containerd", "containerd-shim-runc-v2", "runc", "ctr", "conntrack", "flock", "debootstrap", "mount", "chroot"];

/** Why a real node cannot run here, or undefined. */
export function realNodeMissing(): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root (network namespaces, cgroups, mounts)";
  for (const c of COMMANDS) {
    if (spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0) return `${c} not installed: run scripts/setup-test-deps.sh`;
  }
  if (!existsSync("/usr/lib/cni/bridge")) return "containernetworking-plugins not installed: run scripts/setup-test-deps.sh";
  return toolsetMissing(["k8s", "gateway-api", "coredns", "pause", "helm", "conformance", "istio-echo", "jaeger"]);
}

interface HostState {
  readonly id: string;
  readonly dir: string;
  readonly snapshot: HostSnapshot;
}

export interface NodeHost {
  readonly layout: NodeLayout;
  readonly info: RealNodeInfo;
  readonly images: Readonly<Record<string, { ref: string; seconds: number; cached: boolean; bytes: number }>>;
  /** Stops the node and restores the host; gives what still differs (empty when clean). */
  stop(): Promise<string[]>;
}

/** Holds HOST_LOCK through a `flock` child until release() or this process's exit (its stdin closes). */
async function acquireLock(timeoutS: number, log: (line: string) => void): Promise<() => void> {
  if (spawnSync("flock", ["-n", HOST_LOCK, "true"]).status !== 0) {
    const holder = existsSync(HOST_STATE) ? ` (run dir ${(JSON.parse(readFileSync(HOST_STATE, "utf8")) as HostState).dir})` : "";
    log(`waiting up to ${timeoutS} s for ${HOST_LOCK}: another real-node run holds it${holder}`);
  }
  const child = spawn("flock", ["-w", String(timeoutS), HOST_LOCK, "sh", "-c", "echo locked; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string | undefined>((resolve) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", (l) => resolve(l));
    child.once("exit", () => resolve(undefined));
  });
  if (line !== "locked") throw new Error(`could not take ${HOST_LOCK} within ${timeoutS} s (another real-node run holds it)`);
  return () => child.stdin?.end();
}

/** A holder that died leaves its state file: clean up after it. */
async function cleanupStale(): Promise<string[]> {
  if (!existsSync(HOST_STATE)) return [];
  const state = JSON.parse(readFileSync(HOST_STATE, "utf8")) as HostState;
  const done = await cleanupNode(nodeLayout(state.id, state.dir));
  done.push(...restoreHost(state.snapshot));
  rmSync(HOST_STATE, { force: true });
  return done;
}

function buildImages(): Record<string, { ref: string; seconds: number; cached: boolean; bytes: number; tar: string }> {
  const r = spawnSync("bash", [join(repoRoot, "scripts/build-images.sh")], { encoding: "utf8", timeout: 1_200_000, stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`scripts/build-images.sh failed:\n${(r.stdout + r.stderr).split("\n").slice(-30).join("\n")}`);
  const out: Record<string, { ref: string; seconds: number; cached: boolean; bytes: number; tar: string }> = {};
  for (const name of Object.keys(IMAGE_REFS)) {
    const meta = JSON.parse(readFileSync(join(imagesDir, `${name}.json`), "utf8")) as { ref: string; seconds: number; bytes: number };
    out[name] = { ref: meta.ref, seconds: meta.seconds, bytes: meta.bytes, cached: r.stdout.includes(`${name} cached`), tar: join(imagesDir, `${name}.tar`) };
  }
  return out;
}

export async function startNodeHost(log: (line: string) => void): Promise<NodeHost> {
  const release = await acquireLock(1800, log);
  let layout: NodeLayout | undefined;
  let snapshot: HostSnapshot | undefined;
  let runner: ChildProcess | undefined;
  try {
    for (const d of await cleanupStale()) log(`stale run: ${d}`);
    const images = buildImages();
    const id = randomBytes(3).toString("hex");
    layout = nodeLayout(id, join(tmpdir(), `weft-node-${id}`));
    snapshot = takeHostSnapshot();
    writeFileSync(HOST_STATE, JSON.stringify({ id, dir: layout.dir, snapshot } satisfies HostState));
    createNodeNetns(layout);
    const args: RunnerArgs = { id, dir: layout.dir, archive: ALL_IMAGES_TAR, refs: [...Object.values(images).map((i) => i.ref), ...Object.values(IMAGE_ALIASES).flat()],
      corednsImage: IMAGE_REFS.coredns, snapshot };
    runner = spawn("nsenter", [`--net=${layout.netnsPath}`, "--", join(repoRoot, "node_modules/.bin/node"), join(import.meta.dirname, "cluster-runner.ts"), JSON.stringify(args)], {
      stdio: ["pipe", "pipe", "inherit"],
      cwd: repoRoot,
    });
    const lines = createInterface({ input: runner.stdout! });
    const first = await new Promise<Record<string, unknown>>((resolve) => {
      lines.once("line", (l) => resolve(JSON.parse(l) as Record<string, unknown>));
      runner!.once("exit", (code) => resolve({ error: `cluster runner exited with ${code}` }));
    });
    if (first["error"] !== undefined) throw new Error(`real node did not start: ${JSON.stringify(first["error"])}`);
    const info = first["ready"] as RealNodeInfo;
    const l = layout;
    const r = runner;
    const snap = snapshot;
    return {
      layout: l,
      info,
      images,
      async stop(): Promise<string[]> {
        const exited = new Promise<void>((resolve) => (r.exitCode !== null ? resolve() : r.once("exit", () => resolve())));
        r.stdin?.end();
        const timer = setTimeout(() => r.kill("SIGKILL"), 60_000);
        await exited;
        clearTimeout(timer);
        await cleanupNode(l, { keepDir: process.env["WEFT_KEEP_CLUSTER"] !== undefined });
        restoreHost(snap);
        const left = [...nodeLeftovers(l), ...hostChanges(snap)];
        rmSync(HOST_STATE, { force: true });
        release();
        return left;
      },
    };
  } catch (e) {
    runner?.stdin?.end();
    if (runner !== undefined && runner.exitCode === null) await new Promise((r) => runner!.once("exit", r));
    if (layout !== undefined) await cleanupNode(layout, { keepDir: true });
    if (snapshot !== undefined) restoreHost(snapshot);
    rmSync(HOST_STATE, { force: true });
    release();
    throw e;
  }
}
