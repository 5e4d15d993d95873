// shipped-flags: the V8 flags the proxy benchmarks start Weft with, read from what ships
// (pkg/util/proxy-node-options.ts), so a figure is a process somebody runs:
// - GATEWAY_BENCH_NODE_ARGS: the one-proxy benchmarks (bench-weft.ts) run the provisioned gateway
//   Deployment's flags (its NODE_OPTIONS and node arguments), not node's defaults (docs/proxy.md "One
//   process, one GC mode");
// - sidecarFlagsOf: a checkout's sidecar flags (NODE_OPTIONS + node arguments) from its proxy-node-options
//   module, for the paced pairs and the startup benchmark, a baseline checkout's too (before 8 December 2026
//   the sidecar's NODE_OPTIONS was named PROXY_NODE_OPTIONS, and it was every proxy's).
// Takes nothing; gives argument lists to put ahead of a script. Must not: mix the two roles' flags.
import { GATEWAY_NODE_OPTIONS, PROXY_NODE_ARGS } from "../../pkg/util/proxy-node-options.ts";

export const GATEWAY_BENCH_NODE_ARGS: readonly string[] = [...GATEWAY_NODE_OPTIONS.split(" "), ...PROXY_NODE_ARGS.split(" ")];

/** The sidecar's flags a proxy-node-options module gives (this checkout's or a baseline's, either name). */
export function sidecarFlagsOf(o: { SIDECAR_NODE_OPTIONS?: string; PROXY_NODE_OPTIONS?: string; SIDECAR_NODE_ARGS?: string }): string[] {
  const options = o.SIDECAR_NODE_OPTIONS ?? o.PROXY_NODE_OPTIONS;
  if (options === undefined) throw new Error("proxy-node-options gives no sidecar NODE_OPTIONS (SIDECAR_NODE_OPTIONS or PROXY_NODE_OPTIONS)");
  return `${options} ${o.SIDECAR_NODE_ARGS ?? ""}`.split(" ").filter((x) => x !== "");
}
