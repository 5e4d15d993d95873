// gc-tally: BENCH_GC_TRACE=1 runs each Weft sidecar of the paced pairs with `--trace-gc-nvp` and reads
// V8's line per collection from its stdout: bytes promoted to the old generation, pause time, scavenges.
// Promoted bytes per request are the steady figure for what a request leaves alive past a young GC (a
// sidecar in V8's pretenured state promoted ~4 kB per request instead of a few bytes: docs/telemetry.md,
// "Cost of an unsampled request"). Takes a child process (stdout piped) once the caller has read its first
// JSON line (firstJsonLine skips GC lines, and its readline pauses the stream when done: the tally resumes
// it, or a child printing a line per GC would block on a full pipe); gives mark() at the start of the
// measured part and since(requests) after it.
import type { ChildProcess } from "node:child_process";

/** The V8 flag the tally reads. */
export const GC_TRACE_FLAG = "--trace-gc-nvp";

export interface GcTally {
  /** Marks the start of the measured part. */
  mark(): void;
  /** Since mark(): promoted bytes per request, GC pause ms in all, scavenges and mark-compacts. */
  since(requests: number): { promoted_bytes_per_req: number; pause_ms: number; scavenges: number; mark_compacts: number };
}

export function gcTally(child: ChildProcess): GcTally {
  let promoted = 0, pause = 0, scavenges = 0, markCompacts = 0, rest = "";
  let at = { promoted: 0, pause: 0, scavenges: 0, markCompacts: 0 };
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("latin1")).split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) {
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
      at = { promoted, pause, scavenges, markCompacts };
    },
    since: (requests) => ({
      promoted_bytes_per_req: Math.round((promoted - at.promoted) / Math.max(1, requests)),
      pause_ms: Math.round(pause - at.pause),
      scavenges: scavenges - at.scavenges,
      mark_compacts: markCompacts - at.markCompacts,
    }),
  };
}
