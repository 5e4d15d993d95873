// pass-context: what every step of one translate pass shares — the indexed snapshot, the diagnostics,
// the controller name and the endpoint identity policy — and the one way a step keeps a bug in one object from
// failing the pass (guard: the object gets an "ObjectInternalError" diagnostic, the pass goes on).
// Must not: hold results of steps (each step returns its own), read the clock, or perform I/O.
import type { ResourceSnapshot } from "../api/index.ts";
import { WEFT_CONTROLLER_NAME } from "../api/index.ts";
import { Diagnostics } from "./diagnostics.ts";
import { indexSnapshot, type SnapshotIndex } from "./snapshot-index.ts";
import type { IdentityPolicy, MeshedPods } from "./endpoints.ts";

export interface TranslateOptions {
  readonly controllerName?: string;
  readonly trustDomain?: string;
  /** Which Pods' endpoints get a SPIFFE identity (mTLS): "with-sidecar" (default) or "all" (local mode). */
  readonly meshedPods?: MeshedPods;
}

export const DEFAULT_TRUST_DOMAIN = "cluster.local";

/** Diagnostic code: one object failed to translate (a bug); the rest of the pass is valid. */
export const OBJECT_INTERNAL_ERROR = "ObjectInternalError";
/** Diagnostic code: the whole pass failed (a bug); the IR is empty, keep the last good one. */
export const PASS_INTERNAL_ERROR = "InternalError";

export interface PassContext {
  readonly snapshot: ResourceSnapshot;
  readonly idx: SnapshotIndex;
  readonly diags: Diagnostics;
  readonly controllerName: string;
  /** Trust domain and which Pods are meshed: how endpoints get their SPIFFE identity. */
  readonly identity: IdentityPolicy;
}

/** The endpoint identity policy the options ask for. */
export function identityPolicy(options: TranslateOptions | undefined): IdentityPolicy {
  return { trustDomain: options?.trustDomain ?? DEFAULT_TRUST_DOMAIN, meshedPods: options?.meshedPods ?? "with-sidecar" };
}

export function startPass(snapshot: ResourceSnapshot, options: TranslateOptions): PassContext {
  return {
    snapshot,
    idx: indexSnapshot(snapshot),
    diags: new Diagnostics(),
    controllerName: options.controllerName ?? WEFT_CONTROLLER_NAME,
    identity: identityPolicy(options),
  };
}

export function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300);
}

/** Runs `step` for one object; a throw becomes `<what> failed: <error>` on that object, and undefined. */
export function guard<T>(ctx: PassContext, object: string, what: "translation" | "status", step: () => T): T | undefined {
  try {
    return step();
  } catch (e) {
    ctx.diags.add("error", OBJECT_INTERNAL_ERROR, object, `${what} failed: ${errorText(e)}`);
    return undefined;
  }
}
