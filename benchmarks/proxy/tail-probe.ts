// tail-probe: preloaded (`--import`) into a sidecar of the paced pairs when BENCH_TAIL_TRACE is set
// (paced-pair.ts): records each of the process's V8 collections as one line "<start µs> <pause µs> <kind>"
// in the file BENCH_TAIL_OUT names, start on the machine's monotonic clock (process.hrtime, the same clock
// as bench-paced.ts's request records), kind "s" (scavenge), "m" (mark-compact), "i" (incremental step),
// "w" (weak callbacks); and "new_space <bytes>" each time V8's young generation (read at each flush) is larger
// than before. Lines are buffered and appended every 100 ms (timer unref'd) and at exit, so the
// bench can read them ~0.2 s after a run. tail-tally.ts matches them to the slowest requests.
// BENCH_ALLOC_PROF=<seconds>: also V8's sampling heap profiler from that many seconds after start (past the
// paced warm-up: 6 with the defaults) until exit, counting objects a GC has since collected (what makes
// scavenges, not what stays), one sample per 2 kB allocated, written as <BENCH_TAIL_OUT>.heapprofile
// (Chrome DevTools' format; heap-top.ts lists the functions that allocate most).
// Takes BENCH_TAIL_OUT; gives nothing to the process it runs in. Must not: change what the process does
// beyond the observer and the flush timer (a diagnostic, not part of the goal runs).
import { appendFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { getHeapSpaceStatistics } from "node:v8";
import { constants, type PerformanceEntry, PerformanceObserver, performance } from "node:perf_hooks";

const out = process.env.BENCH_TAIL_OUT;
if (out !== undefined && out !== "") {
  // performance.now() → monotonic µs: the same origin for every process on the machine.
  const originUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "s",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "m",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "i",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "w",
  };
  let buf = "";
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      buf += `${Math.round(originUs + e.startTime * 1000)} ${Math.round(e.duration * 1000)} ${kinds[kind] ?? "?"}\n`;
    }
  }).observe({ entryTypes: ["gc"] });
  let newSpace = 0;
  const flush = () => {
    for (const sp of getHeapSpaceStatistics()) {
      if (sp.space_name !== "new_space" || sp.space_size <= newSpace) continue;
      newSpace = sp.space_size;
      buf += `new_space ${newSpace}\n`;
    }
    if (buf === "") return;
    appendFileSync(out, buf);
    buf = "";
  };
  setInterval(flush, 100).unref();
  process.on("exit", flush);
  const allocAfter = Number(process.env.BENCH_ALLOC_PROF ?? NaN);
  if (Number.isFinite(allocAfter)) {
    const session = new Session();
    session.connect();
    setTimeout(() => {
      session.post("HeapProfiler.startSampling", { samplingInterval: 2048, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }, allocAfter * 1000).unref();
    // A session on this thread answers synchronously, so the profile is written before the process ends.
    process.on("exit", () => {
      session.post("HeapProfiler.stopSampling", (err, r) => {
        if (err === null) writeFileSync(`${out}.heapprofile`, JSON.stringify(r.profile));
      });
    });
  }
}
