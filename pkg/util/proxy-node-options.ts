// proxy-node-options: the V8 flags Weft proxy processes run under (injected sidecar, provisioned gateway
// Deployment, and the proxy benchmarks: the paced sidecar pairs run the sidecar's, the one-proxy part, ab-compare
// and gc-ab the gateway's, so they measure what ships). Takes nothing; gives the
// values and the environment variable names that carry them.
// Why (docs/proxy.md "Memory"): Node's default young generation (semi-spaces of up to 16 MB each) lets a
// sidecar's RSS climb to ~130-160 MB (compiled) at 1,000 req/s; a 2 MB semi-space keeps it ~35 MB lower
// at the same CPU per request. A sidecar (CPU-limited, many per node) also runs its GC on the main thread only:
// without GC helper threads its peak RSS is ~5-7 MB lower (median/mean of 24 peaks), again at the same CPU.
// No proxy (sidecar or gateway) lets V8 pretenure (--no-allocation-site-pretenuring): when a burst leaves many requests in
// flight at one young-generation GC (a stalled process catching up), V8 marks their allocation sites "tenure"
// and from then on allocates those per-request objects in the old generation, where they keep every young
// object they point to alive through each scavenge; the whole request is then promoted (~4 kB per request
// at 1,000 req/s) until the next full GC, and V8 has no feedback left to undo it. Seen in the paced pair:
// GC in the outbound sidecar 128 -> 441 ms, 3.7-4.5 kB promoted per request instead of 3-50 bytes, most
// often with tracing on (docs/telemetry.md, "Cost of an unsampled request"). A proxy's long-lived data (its
// config) is built rarely and can be promoted the ordinary way.
// A sidecar compiles optimized code on the main thread (--no-concurrent-recompilation): V8's Maglev and
// Turbofan jobs otherwise run on its worker threads, each with its own malloc arena, and the zones a warming
// sidecar compiles in stay there as freed-but-resident memory: ~7 MB of private memory per sidecar after
// its first seconds of traffic (benchmarks/proxy/conn-cost.bench.ts: 30.0-32.0 -> 22.7-23.0 MB before any
// burst). The same work then runs between requests instead of beside them; paced A/B in docs/proxy.md.
// That trade is the pod owner's (weft.dev/proxy-tuning, injector/annotations.ts): "memory" (the default) is
// SIDECAR_NODE_ARGS; "latency" is the same flags without --no-concurrent-recompilation. Quiet interleaved A/B
// (HTTP/1.1 sidecar pair, 1,000 req/s, 8 rounds, load 0.4-1.4): memory adds p99 7.4 ms (median; rounds
// 4.8-12.9), 313 us CPU/req, 29.7 MB private peak; latency 5.6 ms (4.7-6.7), 314 us, ~39 MB (36.5-42.5);
// memory had the higher p99 in 7 of 8 paired rounds (nginx mTLS pair: 2.5 ms, 137 us, 4.1 MB).
// Compiling on the main thread, a sidecar also inlines less into Turbofan code
// (--max-inlined-bytecode-size-cumulative=230, V8's default 920): node:http2's hot functions made compiles of
// up to 24-36 ms that stalled every request behind them; the gRPC sidecar pair's added p99 fell from 24.2 to
// 15.5 ms and from 23.3 to 15.9 ms (two quiet interleaved runs, 6 of 6 rounds lower each, load 0.8-1.7), at
// the same private memory (35.5 MB) and CPU (605 vs 612, 599 vs 573 us); the HTTP/1.1 pair level (3.8 vs
// 4.1 ms, 250 vs 267 us). --no-turbo-inlining cut the tail more (11.2 ms) for 16% more CPU: not kept.
// "latency" compiles on V8's threads, so it keeps the default inlining.
// Node refuses these flags in NODE_OPTIONS, so they travel as node arguments in WEFT_NODE_ARGS, which the
// image's `weft` launcher puts on node's command line (Dockerfile). A gateway gets the pretenuring flag only:
// it runs GC helper threads (its Deployment is sized by its owner, not one of many per node).
// Must not: set --max-old-space-size low (an old-space limit that is hit kills the process; the
// proxy's live set grows with the mesh config).
/** NODE_OPTIONS for a sidecar proxy: a 2 MB young generation (memory per pod). */
export const SIDECAR_NODE_OPTIONS = "--max-semi-space-size=2";
/**
 * NODE_OPTIONS for a gateway proxy: a young generation capped at 16 MB. One process per Gateway, sized by its
 * owner (512Mi limit), so it trades memory for CPU per request: 2 MB costs it ~12% more CPU per HTTP/1.1
 * request (defaults 0.88x, 6 of 6 pairs), and without a cap V8 may grow the new space to 64 MB, where h2c
 * promotes ~1.6-1.9 kB per request (3 of 9 processes; capped at 16: 5 of 5 one mode, the defaults' CPU above
 * it in 5 of 5 pairs). docs/proxy.md "One process, one GC mode".
 */
export const GATEWAY_NODE_OPTIONS = "--max-semi-space-size=16";
/** Node arguments for every proxy process (not accepted in NODE_OPTIONS): the gateway Deployment's. */
export const PROXY_NODE_ARGS = "--no-allocation-site-pretenuring";
/** Node arguments for a sidecar proxy tuned for latency: every proxy's, GC on the main thread only. */
export const SIDECAR_LATENCY_NODE_ARGS = `--single-threaded-gc ${PROXY_NODE_ARGS}`;
/** Node arguments for a sidecar proxy (the default, tuned for memory): the latency ones plus optimizing compiles on the main thread, kept short. */
export const SIDECAR_NODE_ARGS = `${SIDECAR_LATENCY_NODE_ARGS} --no-concurrent-recompilation --max-inlined-bytecode-size-cumulative=230`;
/** The values of weft.dev/proxy-tuning, the default first. */
export const PROXY_TUNINGS = ["memory", "latency"] as const;
export type ProxyTuning = (typeof PROXY_TUNINGS)[number];
/** A sidecar's node arguments for each tuning. */
export const SIDECAR_NODE_ARGS_BY_TUNING: Readonly<Record<ProxyTuning, string>> = { memory: SIDECAR_NODE_ARGS, latency: SIDECAR_LATENCY_NODE_ARGS };
/** The environment variable the image's `weft` launcher reads node arguments from. */
export const NODE_ARGS_ENV = "WEFT_NODE_ARGS";
