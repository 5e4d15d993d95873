// container-memory: the figures the real-node tests print beside the kubelet's working set come from a cgroup
// v1 memory.stat the way cAdvisor reads it — working set = usage − total_inactive_file (hierarchical totals,
// not the cgroup's own lines), anonymous = total_rss, page cache = total_cache, kernel as given.
import { describe, expect, it } from "vitest";
import { memoryFigures } from "../support/node/container-memory.ts";

const MiB = 1048576;

// A sidecar container's memory.stat under load (cgroup v1; shortened): its own lines are 0 where the
// hierarchical totals are not, as in a container cgroup with the process in it.
const STAT = [
  "cache 0",
  "rss 0",
  "mapped_file 0",
  "inactive_file 0",
  "active_file 0",
  `total_cache ${6 * MiB}`,
  `total_rss ${59 * MiB}`,
  "total_rss_huge 0",
  `total_mapped_file ${MiB}`,
  `total_inactive_anon ${59 * MiB}`,
  "total_active_anon 0",
  `total_inactive_file ${4 * MiB}`,
  `total_active_file ${2 * MiB}`,
  "hierarchical_memory_limit 268435456",
  "",
].join("\n");

describe("container memory figures from memory.stat", () => {
  it("working set is usage minus the inactive page cache; anon, cache and kernel are read apart", () => {
    const usage = 59 * MiB + 6 * MiB + 3 * MiB; // anon + cache + kernel (cgroup v1 charges kmem to usage)
    expect(memoryFigures(STAT, usage, 3 * MiB)).toEqual({ workingSetBytes: 64 * MiB, anonBytes: 59 * MiB, fileBytes: 6 * MiB, kernelBytes: 3 * MiB });
  });

  it("a stat without page cache gives a working set equal to usage", () => {
    const stat = STAT.replace(/total_inactive_file \d+/, "total_inactive_file 0").replace(/total_cache \d+/, "total_cache 0");
    expect(memoryFigures(stat, 62 * MiB, 3 * MiB)).toMatchObject({ workingSetBytes: 62 * MiB, fileBytes: 0 });
  });

  it("lines that are not a name and a count are ignored", () => {
    expect(memoryFigures("garbage\ntotal_rss x\ntotal_rss 5\n\n", 10, 0)).toEqual({ workingSetBytes: 10, anonBytes: 5, fileBytes: 0, kernelBytes: 0 });
  });
});
