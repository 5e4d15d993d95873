// parse-types: the data parseManifests gives back. Takes nothing; gives types only.
// A ParseIssue locates one problem precisely: which input, which document, which object, which field.
// Must not: hold behaviour.
import type { EndpointSlice, Namespace, Pod, Secret, Service } from "./core-types.ts";
import type { Gateway, GatewayClass, GRPCRoute, HTTPRoute, ReferenceGrant } from "./gateway-types.ts";

/** Every kind Weft reads from manifests. */
export type ApiObject = GatewayClass | Gateway | HTTPRoute | GRPCRoute | ReferenceGrant | Service | EndpointSlice | Namespace | Secret | Pod;

export interface ParseIssue {
  /** File name or other label of the input text. */
  readonly source: string;
  /** 0-based index of the YAML document in the input (a JSON input is document 0). */
  readonly document: number;
  /** "Kind/namespace/name", "Kind/name" for cluster-scoped kinds, or "(unnamed)". */
  readonly object: string;
  /** Field path inside the object, e.g. "spec.rules[0].matches[1].path.value"; "" for the whole object. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the input text, when known. */
  readonly line?: number;
  readonly column?: number;
}

export interface ParseOutcome {
  /** Valid objects, in input order, with defaults applied (namespace "default" for namespaced kinds). */
  readonly objects: readonly ApiObject[];
  /** Each error dropped the object it names (or the whole document for syntax errors). */
  readonly errors: readonly ParseIssue[];
  /** Unknown fields and kinds, duplicates: the input was still used. */
  readonly warnings: readonly ParseIssue[];
}

/** Limits against hostile input. */
export const PARSE_LIMITS = {
  maxInputBytes: 16 * 1024 * 1024,
  maxDocuments: 50_000,
  maxAliasCount: 100,
  maxFlowDepth: 128,
  maxErrorsPerObject: 20,
} as const;

export function formatIssue(i: ParseIssue): string {
  const at = i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : "";
  const where = i.path === "" ? "" : ` ${i.path}`;
  return `${i.source}${at} (document ${i.document}) ${i.object}${where}: ${i.message}`;
}
