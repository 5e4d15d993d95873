// index: the public surface of pkg/translate.
// translate(snapshot, options) → TranslateResult: pure, deterministic, never throws (a failure of the
// whole pass becomes an empty IR plus an "InternalError" diagnostic: callers keep the last good IR;
// a failure of one object is an "ObjectInternalError" diagnostic and the rest of the result is good).
// translateEndpoints(previous, snapshot, options) → the endpoint-only fast path: recomputes only
// ir.clusters; equals a full translate when only EndpointSlices/Pods changed (route tables never
// depend on endpoints).
// Must not: perform I/O.
import type { ResourceSnapshot, Service } from "../api/index.ts";
import { buildClusters } from "./endpoints.ts";
import type { TranslateResult } from "./result.ts";
import { indexEndpoints, keyOf, uniqueObjects } from "./snapshot-index.ts";
import type { TranslateOptions } from "./translate-pass.ts";
import { PASS_INTERNAL_ERROR, translatePass } from "./translate-pass.ts";
import { identityPolicy } from "./pass-context.ts";

export type { Diagnostic, TranslateResult } from "./result.ts";
export type { TranslateOptions } from "./translate-pass.ts";
export { DEFAULT_TRUST_DOMAIN, OBJECT_INTERNAL_ERROR, PASS_INTERNAL_ERROR } from "./translate-pass.ts";
export { MESH_SUPPORTED_FEATURES, SUPPORTED_FEATURES } from "./features.ts";

export function translate(snapshot: ResourceSnapshot, options?: TranslateOptions): TranslateResult {
  try {
    return translatePass(snapshot, options);
  } catch (e) {
    return {
      ir: { gateways: [], services: [], clusters: [], secrets: [] },
      statuses: [],
      diagnostics: [{
        severity: "error",
        code: PASS_INTERNAL_ERROR,
        object: "(snapshot)",
        message: `translate failed: ${(e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300)}`,
      }],
    };
  }
}

export function translateEndpoints(previous: TranslateResult, snapshot: ResourceSnapshot, options?: TranslateOptions): TranslateResult {
  try {
    const services = new Map<string, Service>();
    for (const s of uniqueObjects(snapshot.services ?? [])) services.set(keyOf(s.metadata), s);
    const clusters = buildClusters(previous.ir.clusters, services, indexEndpoints(snapshot), identityPolicy(options));
    return { ...previous, ir: { ...previous.ir, clusters } };
  } catch {
    return translate(snapshot, options);
  }
}
