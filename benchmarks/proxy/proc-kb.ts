// proc-kb: one memory figure (kB) summed over processes, read from /proc: `VmRSS`, `RssAnon` (status)
// or `Pss` (smaps_rollup). A process that is gone counts 0. Linux only; benchmarks only.
import { readFileSync } from "node:fs";

const files = { VmRSS: "status", RssAnon: "status", Pss: "smaps_rollup" } as const;

/**
 * `VmRSS`: resident set. `RssAnon`: its anonymous (process-private) part, without the file-backed
 * pages (mostly the node binary), which every process running the same binary shares. `Pss`: private
 * pages plus each shared page divided by the number of processes mapping it.
 */
export function procKb(pids: readonly number[], field: keyof typeof files): number {
  const line = new RegExp(`^${field}:\\s+(\\d+)`, "m");
  let kb = 0;
  for (const p of pids) {
    try {
      kb += Number(line.exec(readFileSync(`/proc/${p}/${files[field]}`, "utf8"))?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return kb;
}
