// method-index: candidate index over the gRPC method matches of one group of GRPCRoute entries.
// Takes: entries (by precedence index) with their GrpcMatchIR method. Gives: for a request path
// "/<service>/<method>", the sorted lists of entry indices whose METHOD condition can hold.
// Exact service+method → map by full path; Exact service only → map by service; everything else
// (no method match, method-only, RegularExpression) → always-checked list with its own method test.
// Must not: decide precedence (the caller merges lists by index).
import type { GrpcMatchIR } from "../ir/types.ts";
import type { CandidateIndex } from "./path-index.ts";

/** How the index holds an entry; "always" entries must check the method themselves. */
export type IndexedMethod = { readonly by: "path"; readonly key: string } | { readonly by: "service"; readonly key: string } | { readonly by: "always" };

const grpcName = /^[^/]+$/;

export function indexedMethodOf(method: GrpcMatchIR["method"]): IndexedMethod {
  if (method === undefined || method.type !== "Exact" || method.service === undefined || !grpcName.test(method.service)) {
    return { by: "always" };
  }
  if (method.method === undefined) return { by: "service", key: method.service };
  if (!grpcName.test(method.method)) return { by: "always" };
  return { by: "path", key: `/${method.service}/${method.method}` };
}

function pushTo(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [index]);
  else list.push(index);
}

export class MethodIndex implements CandidateIndex {
  readonly #byPath = new Map<string, number[]>();
  readonly #byService = new Map<string, number[]>();
  readonly #always: number[] = [];

  /** Adds entry `index`; callers add in ascending index order so every list stays sorted. */
  add(index: number, how: IndexedMethod): void {
    if (how.by === "path") pushTo(this.#byPath, how.key, index);
    else if (how.by === "service") pushTo(this.#byService, how.key, index);
    else this.#always.push(index);
  }

  collect(path: string, sink: (readonly number[])[]): void {
    if (this.#always.length > 0) sink.push(this.#always);
    if (this.#byPath.size > 0) {
      const hit = this.#byPath.get(path);
      if (hit !== undefined) sink.push(hit);
    }
    if (this.#byService.size > 0 && path.charCodeAt(0) === 47 /* "/" */) {
      const slash = path.indexOf("/", 1);
      if (slash > 1 && slash < path.length - 1 && path.indexOf("/", slash + 1) < 0) {
        const hit = this.#byService.get(path.slice(1, slash));
        if (hit !== undefined) sink.push(hit);
      }
    }
  }
}
