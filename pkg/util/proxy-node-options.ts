// proxy-node-options: the V8 flags every Weft proxy process runs under (injected sidecar, provisioned
// gateway Deployment, and the proxy benchmark, so the benchmark measures what ships). Takes nothing;
// gives the NODE_OPTIONS value.
// Why: Node's default young generation (semi-spaces of up to 16 MB each on 64-bit) lets RSS climb to
// ~150-250 MB under load and makes each scavenge copy more; a 2 MB semi-space keeps the young
// generation small, scavenges short, at about the same CPU per request (docs/proxy.md "Memory").
// Must not: set --max-old-space-size below what the proxy's config and connection state can need
// (an old-space limit that is hit kills the process, it does not degrade it).
/** NODE_OPTIONS for a proxy process. */
export const PROXY_NODE_OPTIONS = "--max-semi-space-size=2";
