// method-index: candidate index over the gRPC method matches of one group of GRPCRoute entries.
// Takes: entries (by precedence index) with their GrpcMatchIR method. Gives: for a request path
// "/<service>/<method>", the sorted lists of entry indices whose METHOD condition can hold.
// Exact service+method → map by full path; Exact service only → map by service; everything else
// (no method match, method-only, RegularExpression) → always-checked list with its own method test.
// Each list is a CandidateBucket (may split by a header value).
// Must not: decide precedence (the caller merges lists by index).
import type { GrpcMatchIR } from "../ir/types.ts";
import { CandidateBucket, type ExactHeaders } from "./candidate-bucket.ts";
import type { CandidateIndex } from "./path-index.ts";
import type { RequestView } from "./request.ts";

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

function addTo(map: Map<string, CandidateBucket>, key: string, index: number, headers: ExactHeaders): void {
  let bucket = map.get(key);
  if (bucket === undefined) {
    bucket = new CandidateBucket();
    map.set(key, bucket);
  }
  bucket.add(index, headers);
}

export class MethodIndex implements CandidateIndex {
  readonly #byPath = new Map<string, CandidateBucket>();
  readonly #byService = new Map<string, CandidateBucket>();
  readonly #always = new CandidateBucket();

  /** Adds entry `index`; callers add in ascending index order so every list stays sorted. */
  add(index: number, how: IndexedMethod, headers: ExactHeaders): void {
    if (how.by === "path") addTo(this.#byPath, how.key, index, headers);
    else if (how.by === "service") addTo(this.#byService, how.key, index, headers);
    else this.#always.add(index, headers);
  }

  seal(): void {
    this.#always.seal();
    for (const b of this.#byPath.values()) b.seal();
    for (const b of this.#byService.values()) b.seal();
  }

  collect(req: RequestView, sink: (readonly number[])[]): void {
    const path = req.path;
    if (this.#always.size > 0) this.#always.collect(req, sink);
    if (this.#byPath.size > 0) this.#byPath.get(path)?.collect(req, sink);
    if (this.#byService.size > 0 && path.charCodeAt(0) === 47 /* "/" */) {
      const slash = path.indexOf("/", 1);
      if (slash > 1 && slash < path.length - 1 && path.indexOf("/", slash + 1) < 0) {
        this.#byService.get(path.slice(1, slash))?.collect(req, sink);
      }
    }
  }
}
