// mesh-tally: counts the mesh mTLS connections an inbound Weft sidecar of the paced pairs accepted, from its
// "inbound.mtls" log line on stderr (one per completed handshake). Each is a full mTLS handshake on both
// sidecars (~1.4 ms CPU on each side of the pair on the 2-core machine with the shipped P-256 keys), and the
// request that waits for it pays ~2 ms more: a figure to read beside a run's p99 (docs/proxy.md, "The mesh hop").
// Takes the inbound sidecar's process (stderr piped); gives mark() at the start of the measured part and
// since() after it. Must not: block the child (the stream keeps flowing).
import type { ChildProcess } from "node:child_process";

export interface MeshTally {
  mark(): void;
  /** Mesh connections accepted since mark(). */
  since(): number;
}

const EVENT = '"event":"inbound.mtls"';

export function meshTally(inbound: ChildProcess): MeshTally {
  let accepted = 0, at = 0, rest = "";
  inbound.stderr!.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("latin1")).split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) if (l.includes(EVENT)) accepted++;
  });
  inbound.stderr!.resume();
  return {
    mark: () => {
      at = accepted;
    },
    since: () => accepted - at,
  };
}
