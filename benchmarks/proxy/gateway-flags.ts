// gateway-flags: the node arguments a one-proxy benchmark starts Weft's proxy (bench-weft.ts) with — the
// provisioned gateway Deployment's V8 flags (pkg/util/proxy-node-options.ts: its NODE_OPTIONS and node
// arguments), so a one-proxy figure is what a gateway ships, not node's defaults (docs/proxy.md "One process,
// one GC mode"). Takes nothing; gives the argument list to put ahead of the script.
// Must not: carry the sidecar's flags (the paced pairs run those, paced-pair.ts).
import { GATEWAY_NODE_OPTIONS, PROXY_NODE_ARGS } from "../../pkg/util/proxy-node-options.ts";

export const GATEWAY_BENCH_NODE_ARGS: readonly string[] = [...GATEWAY_NODE_OPTIONS.split(" "), ...PROXY_NODE_ARGS.split(" ")];
