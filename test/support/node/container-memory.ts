// container-memory: a container's memory as its own cgroup shows it, sampled every 250 ms — the working set
// the kubelet computes (cgroup v1: usage − total_inactive_file, cAdvisor's formula) and what it is made of
// at its peak: anonymous memory (the process's heap, V8 and malloc), page cache, kernel memory (slab,
// socket structures) — with the most sockets the container's processes held, and the kernel's high-water
// mark of usage. A peak under load lasts about a second (a full GC then gives back ~10 MiB): polling the
// kubelet's summary every 2 s through kubectl catches it or not; 250 ms samples come closer, and the
// high-water mark is exact.
// Takes the cgroup v1 memory hierarchy the kubelet's cgroupfs driver uses; gives plain figures (MiB).
// Must not: write to a cgroup or a process; fail a test because a sample could not be read (a figure
// then stays null).
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { mib } from "./pod-views.ts";

export interface MemoryFigures {
  /** usage − total_inactive_file, as the kubelet reports it. */
  readonly workingSetBytes: number;
  /** total_rss: anonymous memory (the V8 heap, malloc, stacks). */
  readonly anonBytes: number;
  /** total_cache: page cache charged to the container (files it read first, tmpfs). */
  readonly fileBytes: number;
  /** memory.kmem.usage_in_bytes: kernel memory charged to it (in usage on cgroup v1). */
  readonly kernelBytes: number;
}

/** The figures of one sample: memory.stat's text, memory.usage_in_bytes and memory.kmem.usage_in_bytes. */
export function memoryFigures(statText: string, usageBytes: number, kmemBytes: number): MemoryFigures {
  const stat = new Map<string, number>();
  for (const line of statText.split("\n")) {
    const [k, v] = line.split(" ");
    if (k !== undefined && v !== undefined && /^\d+$/.test(v)) stat.set(k, Number(v));
  }
  const inactiveFile = stat.get("total_inactive_file") ?? 0;
  return {
    workingSetBytes: Math.max(0, usageBytes - inactiveFile),
    anonBytes: stat.get("total_rss") ?? 0,
    fileBytes: stat.get("total_cache") ?? 0,
    kernelBytes: kmemBytes,
  };
}

export interface PodRef {
  metadata: { uid?: string };
  status?: { initContainerStatuses?: { name: string; containerID?: string }[]; containerStatuses?: { name: string; containerID?: string }[] };
}

/** The memory cgroup directory of a running container of the real node (`nodeDir`: RealNodeInfo.dir), or undefined. */
export function containerMemoryCgroup(nodeDir: string, pod: PodRef, container: string): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const id = statuses.find((s) => s.name === container)?.containerID?.replace(/^[a-z]+:\/\//, "");
  const uid = pod.metadata.uid;
  if (id === undefined || uid === undefined) return undefined;
  // The kubelet's cgroupRoot is /<the run directory's name> (node-layout.ts); cgroupfs names pods pod<uid>.
  const kubepods = join("/sys/fs/cgroup/memory", basename(nodeDir), "kubepods");
  return ["guaranteed", "burstable", "besteffort"].map((q) => join(kubepods, q === "guaranteed" ? "" : q, `pod${uid}`, id)).find((d) => existsSync(d));
}

function socketsOf(dir: string): number {
  let n = 0;
  for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
    if (pid === "") continue;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) n++;
        } catch { /* closed meanwhile */ }
      }
    } catch { /* process gone */ }
  }
  return n;
}

export interface MemoryPeak {
  readonly workingSetMiB: number | null;
  readonly anonMiB: number | null;
  readonly fileMiB: number | null;
  readonly kernelMiB: number | null;
  /** The most sockets the container's processes held at once (sampled every 250 ms). */
  readonly sockets: number | null;
  /**
   * memory.max_usage_in_bytes at stop(): the kernel's own high-water mark of usage since the container
   * started (page cache included), which no sampling interval can miss.
   */
  readonly highWaterMiB: number | null;
}

/** Samples the cgroup at `dir` every 250 ms until stop(): the sample with the highest working set, and the most sockets seen. */
export function memoryPeak(dir: string | undefined): { stop(): MemoryPeak } {
  let peak: MemoryFigures | undefined;
  let sockets: number | undefined;
  const take = (): void => {
    if (dir === undefined) return;
    try {
      const read = (f: string): string => readFileSync(join(dir, f), "utf8");
      const m = memoryFigures(read("memory.stat"), Number(read("memory.usage_in_bytes")), Number(read("memory.kmem.usage_in_bytes")));
      if (peak === undefined || m.workingSetBytes > peak.workingSetBytes) peak = m;
      sockets = Math.max(sockets ?? 0, socketsOf(dir));
    } catch { /* next sample */ }
  };
  take();
  const timer = setInterval(take, 250);
  return {
    stop: () => {
      clearInterval(timer);
      let highWater: number | undefined;
      try {
        if (dir !== undefined) highWater = Number(readFileSync(join(dir, "memory.max_usage_in_bytes"), "utf8"));
      } catch { /* container gone */ }
      return {
        workingSetMiB: mib(peak?.workingSetBytes),
        anonMiB: mib(peak?.anonBytes),
        fileMiB: mib(peak?.fileBytes),
        kernelMiB: mib(peak?.kernelBytes),
        sockets: sockets ?? null,
        highWaterMiB: mib(highWater),
      };
    },
  };
}
