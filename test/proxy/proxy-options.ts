// proxy-options: the ProxyOptions a test of startProxy starts from — loopback, admin on a free port, no
// drain delay, no tracing, no probes, the sidecar's listeners unbound — with the test's own fields on top.
// Takes the fields that differ (mode and config at least); gives complete options. Must not: start anything.
import type { ProxyOptions } from "../../pkg/proxy/runtime.ts";

export function proxyOptions(o: Partial<ProxyOptions> & Pick<ProxyOptions, "mode" | "config">): ProxyOptions {
  return {
    trustDomain: "cluster.local",
    bind: "127.0.0.1",
    portMap: new Map(),
    adminPort: 0,
    drainDelayMs: 0,
    drainMs: 500,
    balancer: "p2c-ewma",
    limits: {},
    accessLog: false,
    tracing: { config: undefined, problems: [] },
    appProbes: { probes: new Map(), problems: [] },
    sidecar: { inboundPort: 0, outboundPort: 0, outboundBindings: [], inboundBindings: [], captureListeners: false },
    ...o,
  };
}
