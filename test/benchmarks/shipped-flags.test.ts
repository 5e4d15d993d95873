// shipped-flags: the benchmarks start Weft with the flags that ship — the one-proxy benchmarks with the
// gateway Deployment's (its NODE_OPTIONS and node arguments), the paced pairs with the sidecar's — and read a
// baseline checkout's sidecar flags under either name its proxy-node-options module used (a paced A/B against
// a checkout from before the rename must not start sidecars without flags, or fail to start them).
import { describe, expect, it } from "vitest";
import { GATEWAY_BENCH_NODE_ARGS, sidecarFlagsOf } from "../../benchmarks/proxy/shipped-flags.ts";
import { GATEWAY_NODE_OPTIONS, PROXY_NODE_ARGS, SIDECAR_NODE_ARGS, SIDECAR_NODE_OPTIONS } from "../../pkg/util/proxy-node-options.ts";

describe("the flags the proxy benchmarks start Weft with", () => {
  it("one proxy: the gateway Deployment's NODE_OPTIONS and node arguments", () => {
    expect(GATEWAY_BENCH_NODE_ARGS).toEqual([...GATEWAY_NODE_OPTIONS.split(" "), ...PROXY_NODE_ARGS.split(" ")]);
    expect(GATEWAY_BENCH_NODE_ARGS).not.toContain(SIDECAR_NODE_OPTIONS);
  });

  it("a sidecar's, from this checkout's module or a baseline's under the earlier name", () => {
    expect(sidecarFlagsOf({ SIDECAR_NODE_OPTIONS, SIDECAR_NODE_ARGS })).toEqual([...SIDECAR_NODE_OPTIONS.split(" "), ...SIDECAR_NODE_ARGS.split(" ")]);
    expect(sidecarFlagsOf({ PROXY_NODE_OPTIONS: "--max-semi-space-size=2", SIDECAR_NODE_ARGS: "--single-threaded-gc" })).toEqual(["--max-semi-space-size=2", "--single-threaded-gc"]);
    expect(sidecarFlagsOf({ PROXY_NODE_OPTIONS: "--max-semi-space-size=2" })).toEqual(["--max-semi-space-size=2"]);
    expect(() => sidecarFlagsOf({ SIDECAR_NODE_ARGS: "--single-threaded-gc" })).toThrow(/no sidecar NODE_OPTIONS/);
  });
});
