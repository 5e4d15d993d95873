// gc-tally: BENCH_GC_TRACE=1 runs each Weft sidecar of the paced pairs with `--trace-gc-nvp` and reads
// V8's line per collection from its stdout: bytes promoted to the old generation, pause time, scavenges.
// Promoted bytes per request are the steady figure for what a request leaves alive past a young GC (a
// sidecar in V8's pretenured state promoted ~4 kB per request instead of a few bytes: docs/telemetry.md,
// "Cost of an unsampled request"). Takes a child process (stdout piped) once the caller has read its first
// JSON line (firstJsonLine skips GC lines, and its readline pauses the stream when done: the tally resumes
// it, or a child printing a line per GC would block on a full pipe); gives mark() at the start of the
// measured part and since(requests) after it. A sidecar also run with --trace-opt (BENCH_FLAG_SETS) has its
// optimizing compiles counted too: V8's "[completed compiling … - took a, b, c ms]" lines (their sum: the
// time the compile held the main thread under --no-concurrent-recompilation), and the longest one; how many
// of them targeted Turbofan (`tf`); with --trace-deopt also its deoptimizations (V8's "[bailout (kind: …"
// lines), so a flag that tiers up sooner shows whether it also deopts more. BENCH_COMPILE_DUMP=<file>: each
// of those compile and deopt lines is also appended to <file> as "<pid> <line>", and each mark() as "<pid> mark" (the
// paced pair marks at the generator's start and again at its "warm" line: a sidecar's measured-part
// compiles are its lines between its last mark and "<pid> since", written when the run's figures are read).
import type { ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";

/** The V8 flag the tally reads. */
export const GC_TRACE_FLAG = "--trace-gc-nvp";

export interface GcTally {
  /** Marks the start of the measured part. */
  mark(): void;
  /** Since mark(): promoted bytes per request, GC pause ms in all, scavenges and mark-compacts. */
  since(requests: number): {
    promoted_bytes_per_req: number;
    pause_ms: number;
    scavenges: number;
    mark_compacts: number;
    compiles?: { n: number; tf: number; ms: number; max_ms: number };
    deopts?: number;
  };
}

export function gcTally(child: ChildProcess): GcTally {
  const dump = process.env.BENCH_COMPILE_DUMP;
  let promoted = 0, pause = 0, scavenges = 0, markCompacts = 0, rest = "";
  let compiles = 0, turbofan = 0, compileMs = 0, compileMax = 0, deopts = 0;
  let at = { promoted: 0, pause: 0, scavenges: 0, markCompacts: 0, compiles: 0, turbofan: 0, compileMs: 0, deopts: 0 };
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("latin1")).split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) {
      const took = /^\[completed compiling .* took ([\d.]+), ([\d.]+), ([\d.]+) ms\]/.exec(l);
      if (took !== null) {
        const ms = Number(took[1]) + Number(took[2]) + Number(took[3]);
        compiles++;
        if (l.includes("(target TURBOFAN")) turbofan++;
        compileMs += ms;
        compileMax = Math.max(compileMax, ms);
        if (dump !== undefined && dump !== "") appendFileSync(dump, `${child.pid} ${l}\n`);
        continue;
      }
      if (l.startsWith("[bailout (kind: ")) {
        deopts++;
        if (dump !== undefined && dump !== "") appendFileSync(dump, `${child.pid} ${l}\n`);
        continue;
      }
      const gc = / gc=(\w+) /.exec(l)?.[1];
      if (gc === undefined) continue;
      promoted += Number(/ promoted=(\d+)/.exec(l)?.[1] ?? 0);
      pause += Number(/ pause=([\d.]+)/.exec(l)?.[1] ?? 0);
      if (gc === "s") scavenges++;
      else markCompacts++;
    }
  });
  child.stdout!.resume();
  return {
    mark: () => {
      at = { promoted, pause, scavenges, markCompacts, compiles, turbofan, compileMs, deopts };
      if (dump !== undefined && dump !== "") appendFileSync(dump, `${child.pid} mark\n`);
      compileMax = 0;
    },
    since: (requests) => {
      if (dump !== undefined && dump !== "") appendFileSync(dump, `${child.pid} since\n`);
      return {
        promoted_bytes_per_req: Math.round((promoted - at.promoted) / Math.max(1, requests)),
        pause_ms: Math.round(pause - at.pause),
        scavenges: scavenges - at.scavenges,
        mark_compacts: markCompacts - at.markCompacts,
        ...(compiles > 0
          ? { compiles: { n: compiles - at.compiles, tf: turbofan - at.turbofan, ms: Math.round((compileMs - at.compileMs) * 10) / 10, max_ms: Math.round(compileMax * 10) / 10 } }
          : {}),
        ...(deopts > 0 ? { deopts: deopts - at.deopts } : {}),
      };
    },
  };
}
