// result: what one translate pass gives. Pure data.
import type { StatusUpdate } from "../api/index.ts";
import type { MeshIR } from "../ir/types.ts";

export interface Diagnostic {
  readonly severity: "error" | "warning" | "info";
  /** Stable machine code, e.g. "BackendNotFound", "ListenerConflict". */
  readonly code: string;
  /** "Kind/namespace/name" of the object concerned, plus a field path when known. */
  readonly object: string;
  readonly path?: string;
  readonly message: string;
}

export interface TranslateResult {
  readonly ir: MeshIR;
  /** Sorted by (kind, namespace, name). */
  readonly statuses: readonly StatusUpdate[];
  /** Sorted by (object, code, path). */
  readonly diagnostics: readonly Diagnostic[];
}
