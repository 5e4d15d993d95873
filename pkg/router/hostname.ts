// hostname: request host against a hostname pattern of a route entry or listener (spec §7).
// Takes: a pattern ("foo.example.com" or "*.example.com") and a request host (port-less, lower-case).
// Gives: normalisation, match test, listener specificity rank.
// Must not: allocate on the hot path; accept a wildcard apex match.
// Spec §7: `*.example.com` matches one OR MORE labels (`a.example.com`, `a.b.example.com`), never
// `example.com`; patterns are compared case-insensitively (we lower-case them at compile time).

/** Lower-cases a pattern or host and drops one trailing dot (absolute form `example.com.`). */
export function normalizeHostname(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") && lower.length > 1 ? lower.slice(0, -1) : lower;
}

/** True when `host` matches `pattern` (exact, or wildcard covering one or more labels). */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1);
    return host.length > suffix.length && host.endsWith(suffix);
  }
  return pattern === host;
}

/**
 * Specificity rank of a listener hostname (spec §7 listener selection): exact beats any wildcard,
 * a longer wildcard beats a shorter one, no hostname is last. Higher is more specific.
 */
export function hostnameSpecificity(pattern: string | undefined): number {
  if (pattern === undefined || pattern === "") return 0;
  if (pattern.startsWith("*.")) return 1 + pattern.length;
  return 1_000_000 + pattern.length;
}
