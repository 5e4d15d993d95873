// limits: the Gateway API CRD maxItems translate enforces (task list; `httproute`/`grpcroute`
// validation). Exceeding one is Accepted=False/UnsupportedValue with a precise message; the work
// stops at the limit so 10,000-element inputs stay fast.
// Must not: hold behaviour.

export const LIMITS = {
  parentRefs: 32,
  hostnames: 16,
  rules: 16,
  matchesPerRule: 64,
  matchesPerRoute: 128,
  backendRefs: 16,
  filters: 16,
  headerMatches: 16,
  queryParamMatches: 16,
  headerModifierEntries: 16,
  pathLength: 1024,
  headerValueLength: 4096,
} as const;
