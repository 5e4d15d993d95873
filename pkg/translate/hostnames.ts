// hostnames: takes listener and route hostnames, gives validation, intersection and specificity.
// Spec §7: wildcard only as leftmost "*." label and matches one or more labels; IPs never valid;
// listener/route without hostname = any; intersection of two names is the more specific one.
// Must not: look at Host headers (the router does request-time matching).

const labelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ipv4Re = /^[0-9.]+$/;

/** undefined when `name` is a valid Gateway API hostname (precise or "*.suffix"); else why not. */
export function checkHostname(name: string): string | undefined {
  if (typeof name !== "string") return "hostname must be a string";
  if (name.length === 0 || name.length > 253) return `hostname "${name.slice(0, 64)}" must be 1-253 characters`;
  if (ipv4Re.test(name) || name.includes(":")) return `hostname "${name}" is an IP address; only DNS names are allowed`;
  const rest = name.startsWith("*.") ? name.slice(2) : name;
  for (const label of rest.split(".")) {
    if (label.length > 63 || !labelRe.test(label)) return `hostname "${name}" is not a valid lower-case DNS name (wildcard only as leftmost "*.")`;
  }
  return undefined;
}

export function isWildcard(name: string): boolean {
  return name.startsWith("*.");
}

/** True when precise or wildcard `name` is covered by wildcard `pattern` ("*.a.com" covers "x.a.com", "x.y.a.com", "*.x.a.com"). */
function coveredBy(name: string, pattern: string): boolean {
  const suffix = pattern.slice(1); // ".a.com"
  const base = isWildcard(name) ? name.slice(1) : name;
  return base.length > suffix.length && base.endsWith(suffix);
}

/** The intersection of two hostnames, or undefined when they do not intersect (spec §7). */
export function intersectHostname(a: string, b: string): string | undefined {
  if (a === b) return a;
  const wa = isWildcard(a);
  const wb = isWildcard(b);
  if (!wa && !wb) return undefined;
  if (wa && coveredBy(b, a)) return b;
  if (wb && coveredBy(a, b)) return a;
  return undefined;
}

/**
 * Effective hostnames of a route on a listener: [] = any host. Undefined = no intersection
 * (NoMatchingListenerHostname). Route without hostnames takes the listener's hostname.
 */
export function effectiveHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): readonly string[] | undefined {
  if (routeHostnames.length === 0) return listenerHostname === undefined ? [] : [listenerHostname];
  if (listenerHostname === undefined) return [...new Set(routeHostnames)].sort();
  const out = new Set<string>();
  for (const h of routeHostnames) {
    const i = intersectHostname(listenerHostname, h);
    if (i !== undefined) out.add(i);
  }
  return out.size === 0 ? undefined : [...out].sort();
}

/**
 * Specificity order of hostnames: precise before wildcard, longer before shorter, "any" (undefined
 * or "") last. Negative when `a` is more specific. Used for listener order and entry precedence.
 */
export function compareHostnameSpecificity(a: string | undefined, b: string | undefined): number {
  const ea = a === undefined || a === "";
  const eb = b === undefined || b === "";
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  const wa = isWildcard(a);
  const wb = isWildcard(b);
  if (wa !== wb) return wa ? 1 : -1;
  return b.length - a.length;
}
