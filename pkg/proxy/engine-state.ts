// engine-state: build the EngineState the engine reads from a MeshIR and a version string.
// Takes IR; gives the frozen state with a cluster index. Must not: copy or mutate the IR.
import type { ClusterIR, MeshIR } from "../ir/types.ts";
import type { EngineState } from "./engine-types.ts";

export function engineStateOf(ir: MeshIR, version: string): EngineState {
  const clusters = new Map<string, ClusterIR>();
  for (const c of ir.clusters) clusters.set(c.id, c);
  return Object.freeze({ version, ir, clusters });
}
