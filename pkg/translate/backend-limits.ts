// backend-limits: takes a Service, gives the per-backend caps its annotations ask for (ClusterIR.limits)
// and the annotations that could not be read. `weft.dev/max-connections`, `weft.dev/max-pending-requests`
// and `weft.dev/max-requests` hold an integer 1..1,000,000 (Envoy's circuit-breaker thresholds
// max_connections, max_pending_requests, max_requests); a bad value is ignored (the proxy's default
// applies) and reported as a diagnostic.
// Must not: perform I/O.
import type { Service } from "../api/index.ts";
import type { BackendLimitsIR } from "../ir/types.ts";

export const BACKEND_LIMIT_ANNOTATIONS = {
  maxConnections: "weft.dev/max-connections",
  maxPendingRequests: "weft.dev/max-pending-requests",
  maxRequests: "weft.dev/max-requests",
} as const satisfies Record<keyof BackendLimitsIR, string>;

export const MAX_BACKEND_LIMIT = 1_000_000;

export interface BackendLimitsRead {
  readonly limits: BackendLimitsIR | undefined;
  /** Annotation name and what is wrong with its value. */
  readonly problems: readonly { readonly annotation: string; readonly message: string }[];
}

export function backendLimitsOf(svc: Service | undefined): BackendLimitsRead {
  const annotations = svc?.metadata?.annotations;
  if (annotations === undefined) return { limits: undefined, problems: [] };
  const limits: { -readonly [K in keyof BackendLimitsIR]: number } = {};
  const problems: { annotation: string; message: string }[] = [];
  for (const [field, annotation] of Object.entries(BACKEND_LIMIT_ANNOTATIONS) as [keyof BackendLimitsIR, string][]) {
    const raw = annotations[annotation];
    if (raw === undefined) continue;
    const n = /^\d{1,7}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_BACKEND_LIMIT) {
      problems.push({ annotation, message: `${annotation}: ${JSON.stringify(raw.slice(0, 40))} is not an integer 1-${MAX_BACKEND_LIMIT}; the proxy's default applies` });
      continue;
    }
    limits[field] = n;
  }
  return { limits: Object.keys(limits).length > 0 ? limits : undefined, problems };
}
