// engine-state: build the EngineState the engine reads from a MeshIR and a version string.
// Takes IR; gives the frozen state with a cluster index by id and by endpoint (a sidecar finds the
// Service port targeting its own app there, for the app's protocol). Must not: copy or mutate the IR.
import type { ClusterIR, MeshIR } from "../ir/types.ts";
import { endpointKey } from "./endpoint-key.ts";
import type { EngineState } from "./engine-types.ts";

export function engineStateOf(ir: MeshIR, version: string): EngineState {
  const clusters = new Map<string, ClusterIR>();
  const endpointClusters = new Map<string, ClusterIR>();
  for (const c of ir.clusters) {
    clusters.set(c.id, c);
    for (const e of c.endpoints) {
      const key = endpointKey(e.address, e.port);
      // Several Service ports may target one pod port: one that declares a protocol wins over plain http1.
      const had = endpointClusters.get(key);
      if (had === undefined || (had.protocol === "http1" && c.protocol !== "http1")) endpointClusters.set(key, c);
    }
  }
  return Object.freeze({ version, ir, clusters, endpointClusters });
}
