// proc-kb: one memory figure (kB) summed over processes, read from /proc: `VmRSS`, `RssAnon` (status),
// `Pss` or `Private` (smaps_rollup); their open file descriptors; and their CPU time so far (user + system clock ticks, stat). A
// process that is gone counts 0. Linux only; benchmarks only.
import { readdirSync, readFileSync } from "node:fs";

const files = { VmRSS: "status", RssAnon: "status", Pss: "smaps_rollup", Private: "smaps_rollup" } as const;
/** The /proc lines each figure sums. */
const lines: Readonly<Record<keyof typeof files, readonly string[]>> = {
  VmRSS: ["VmRSS"],
  RssAnon: ["RssAnon"],
  Pss: ["Pss"],
  Private: ["Private_Clean", "Private_Dirty"],
};

/**
 * `VmRSS`: resident set. `RssAnon`: its anonymous part, without the file-backed pages (mostly the node
 * binary), which every process running the same binary shares. `Pss`: private pages plus each shared
 * page divided by the number of processes mapping it. `Private`: pages mapped by this process only,
 * anonymous or file-backed (smaps_rollup Private_Clean + Private_Dirty): what the process costs on its own.
 */
export function procKb(pids: readonly number[], field: keyof typeof files): number {
  const patterns = lines[field].map((l) => new RegExp(`^${l}:\\s+(\\d+)`, "m"));
  let kb = 0;
  for (const p of pids) {
    try {
      const text = readFileSync(`/proc/${p}/${files[field]}`, "utf8");
      for (const re of patterns) kb += Number(re.exec(text)?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return kb;
}

/** Open file descriptors of `pids` (sockets, mostly: a proxy's memory grows with its connections). */
export function openFds(pids: readonly number[]): number {
  let n = 0;
  for (const p of pids) {
    try {
      n += readdirSync(`/proc/${p}/fd`).length;
    } catch { /* gone */ }
  }
  return n;
}

/** User + system CPU time of `pids` so far, in clock ticks (getconf CLK_TCK a second). */
export function cpuTicks(pids: readonly number[]): number {
  const [user, system] = cpuTicksSplit(pids);
  return user + system;
}

/** User and system CPU time of `pids` so far, apart, in clock ticks. */
export function cpuTicksSplit(pids: readonly number[]): [number, number] {
  let user = 0, system = 0;
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      user += Number(f[11]);
      system += Number(f[12]);
    } catch { /* gone */ }
  }
  return [user, system];
}

/**
 * Time `pids` (all their threads) spent waiting on a run queue so far, in µs (/proc/<pid>/task/<tid>/schedstat,
 * second field): on a shared machine, the part of a request's latency that is the scheduler's, not the
 * process's. Threads that ended are not counted.
 */
export function runQueueWaitUs(pids: readonly number[]): number {
  let ns = 0;
  for (const p of pids) {
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) {
        try {
          ns += Number(readFileSync(`/proc/${p}/task/${t}/schedstat`, "utf8").split(" ")[1] ?? 0);
        } catch { /* gone */ }
      }
    } catch { /* gone */ }
  }
  return Math.round(ns / 1000);
}

/**
 * `Pss` and `Private` (as procKb gives them) from ONE read of smaps_rollup per process. That read walks the
 * page tables of the whole address space: ~2 ms of kernel time for a node process (its V8 heap
 * reservation is over 1 GB of mappings), ~0.1 ms for nginx, so a sampler that reads it often slows the
 * proxies it measures, node's far more than nginx's (docs/proxy.md, "What the pair's tail is made of").
 */
export function smapsKb(pids: readonly number[]): { pss: number; private: number } {
  let pss = 0, priv = 0;
  for (const p of pids) {
    try {
      const text = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      const kb = (l: string) => Number(new RegExp(`^${l}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
      pss += kb("Pss");
      priv += kb("Private_Clean") + kb("Private_Dirty");
    } catch { /* gone */ }
  }
  return { pss, private: priv };
}
