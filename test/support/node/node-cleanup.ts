// node-cleanup: removes what a real node leaves on the machine once its programs are asked to stop, or
// after a run that died: processes (the node's own, containerd's shims, the containers in its cgroups),
// mounts under its directory (pod volumes, rootfs overlays, CNI netns files), its cgroup trees (kubelet
// cgroupRoot in every hierarchy), its network namespace, and its directory.
// Takes a NodeLayout; gives cleanupNode(layout) → what it removed, and nodeLeftovers(layout) → what
// is still there (empty when clean).
// Must not: signal a process that is not the node's (matched by its directory in the command line or
// by membership in the node's cgroups), or unmount anything outside the node's directory.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deleteNodeNetns, netnsExists } from "./node-netns.ts";
import type { NodeLayout } from "./node-layout.ts";

const CGROUP_FS = "/sys/fs/cgroup";

function cgroupTrees(l: NodeLayout): string[] {
  if (!existsSync(CGROUP_FS)) return [];
  return readdirSync(CGROUP_FS).map((h) => join(CGROUP_FS, h, l.cgroupRoot)).filter((p) => existsSync(p));
}

function cgroupPids(dir: string, out: Set<number>): void {
  try {
    for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) if (line !== "") out.add(Number(line));
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) cgroupPids(join(dir, e.name), out);
  } catch {
    // the tree is going away while we read it
  }
}

/** The node's processes: command line names its directory, or they sit in its cgroups. */
export function nodePids(l: NodeLayout): number[] {
  const pids = new Set<number>();
  for (const tree of cgroupTrees(l)) cgroupPids(tree, pids);
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "utf8").includes(l.dir)) pids.add(Number(e));
    } catch {
      // exited
    }
  }
  return [...pids];
}

function mountsUnder(l: NodeLayout): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8").split("\n")
    .map((line) => line.split(" ")[4]?.replaceAll("\\040", " "))
    .filter((p): p is string => p !== undefined && (p === l.dir || p.startsWith(`${l.dir}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function removeTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  rmdirSync(dir);
}

async function killAll(l: NodeLayout, done: string[]): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = nodePids(l);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        if (round === 0) done.push(`killed pid ${pid}`);
      } catch {
        // gone already
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function cleanupNode(l: NodeLayout, opts: { keepDir?: boolean } = {}): Promise<string[]> {
  const done: string[] = [];
  await killAll(l, done);
  for (const m of mountsUnder(l)) {
    const r = spawnSync("umount", ["-l", m], { encoding: "utf8" });
    done.push(r.status === 0 ? `unmounted ${m}` : `umount ${m}: ${r.stderr.trim()}`);
  }
  for (const tree of cgroupTrees(l)) {
    try {
      removeTree(tree);
      done.push(`removed cgroup ${tree}`);
    } catch (e) {
      done.push(`cgroup ${tree}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (netnsExists(l.netns)) {
    deleteNodeNetns(l.netns);
    done.push(`deleted netns ${l.netns}`);
  }
  if (opts.keepDir !== true && existsSync(l.dir) && mountsUnder(l).length === 0) rmSync(l.dir, { recursive: true, force: true });
  return done;
}

export function nodeLeftovers(l: NodeLayout): string[] {
  return [
    ...nodePids(l).map((p) => `process ${p}: ${safeCmdline(p)}`),
    ...mountsUnder(l).map((m) => `mount ${m}`),
    ...cgroupTrees(l).map((c) => `cgroup ${c}`),
    ...(netnsExists(l.netns) ? [`netns ${l.netns}`] : []),
  ];
}

function safeCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 160);
  } catch {
    return "?";
  }
}
