// mesh-lookup: the sidecar's one swappable view of the mesh Services its workload may call. Takes the
// client namespace and, on every config push, the MeshServiceIR list; gives `lookup(ip, port)` for
// startSidecar, answering from the latest compiled mesh (pkg/router compileMesh/lookupMeshDestination).
// The proxy runtime (runtime.ts) and the tests use this one lookup.
// Must not: compile per connection, or throw on malformed IR (compileMesh does not).
import type { MeshServiceIR } from "../../ir/types.ts";
import { compileMesh, lookupMeshDestination, type CompiledMesh } from "../../router/index.ts";
import type { SidecarDestination } from "./sidecar-types.ts";

export interface MeshLookup {
  readonly lookup: (ip: string, port: number) => SidecarDestination | undefined;
  /** Swap in a new Service list (atomic: the next request sees it, on new and kept-alive connections). */
  update(services: readonly MeshServiceIR[]): void;
}

export function createMeshLookup(clientNamespace: string, services: readonly MeshServiceIR[] = []): MeshLookup {
  let mesh: CompiledMesh = compileMesh(services, clientNamespace);
  return {
    lookup: (ip, port) => lookupMeshDestination(mesh, ip, port),
    update: (next) => {
      mesh = compileMesh(next, clientNamespace);
    },
  };
}
