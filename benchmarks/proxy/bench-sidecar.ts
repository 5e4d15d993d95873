// bench-sidecar: ONE Weft sidecar per process for the paced side-by-side benchmark, so CPU and RSS are
// per proxy. Role "inbound" (server side B: mesh mTLS in → the origin as its local app) or "outbound"
// (client side A: plaintext in, original destination = the Service VIP from the test hook → mesh mTLS
// to B's inbound port, SPIFFE-verified: HTTP/1.1 for an http1 Service, h2 for grpc). Tracing: ratio "off" or 0..1, the shipped propagators (tracecontext,
// baggage, b3), spans exported to the bench's in-process receiver after at most 5 s as shipped (tracing.ts's
// export delay) unless the config sets exportDelayMs, over OTLP/HTTP JSON (otlpPort) or, with otlpProtocol
// "grpc", OTLP/gRPC (otlpGrpcPort). Loopback only.
// The Service VIP is a loopback address (127.0.0.10) where nothing listens: a connection the outbound
// sidecar cannot tell is HTTP (first bytes later than its peek window) is passed through to it and
// refused, instead of leaving the machine.
// Args: <config.json> with {role, port (origin port for inbound, B's inbound port for outbound), mat:
// {keyPem, certChainPem, trustBundlePem, identity}, peerIdentity, ratio, otlpPort (OTLP/HTTP receiver), otlpGrpcPort
// (OTLP/gRPC receiver), otlpProtocol and exportDelayMs (optional), protocol ("http1", the
// default, or "grpc": the Service's cluster protocol, as appProtocol gives it), clusterLimits (optional)}.
// Prints {"port":…, "pid":…} (the port to send to); exits on SIGTERM.
import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { startSidecar } from "../../pkg/proxy/sidecar/index.ts";
import { DEFAULT_PROPAGATORS, initTracing } from "../../pkg/telemetry/index.ts";
import type { BackendLimitsIR, MeshIR, MeshServiceIR } from "../../pkg/ir/types.ts";

interface Config {
  role: "inbound" | "outbound";
  port: number;
  mat: { keyPem: string; certChainPem: string; trustBundlePem: string; identity: string };
  peerIdentity: string;
  ratio: "off" | number;
  otlpPort: number;
  otlpGrpcPort?: number;
  /** How spans are exported; absent: http. */
  otlpProtocol?: "grpc" | "http";
  /** Absent: the shipped delay (tracing.ts). */
  exportDelayMs?: number;
  protocol?: "http1" | "grpc";
  /** The outbound cluster's limits, e.g. {"maxConnections": 8} (paced-pair.ts, BENCH_PACED_MAX_CONNECTIONS). */
  clusterLimits?: BackendLimitsIR;
}
const cfg = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Config;
const otlpGrpc = cfg.otlpProtocol === "grpc";
const tracing = cfg.ratio === "off" ? undefined : initTracing({
  enabled: true,
  serviceName: `bench-${cfg.role}`,
  otlpEndpoint: `http://127.0.0.1:${otlpGrpc ? cfg.otlpGrpcPort : cfg.otlpPort}`,
  protocol: otlpGrpc ? "grpc" : "http",
  samplingRatio: cfg.ratio,
  // As shipped (WEFT_TRACING_PROPAGATORS unset): every hop extracts and injects W3C, baggage and B3.
  propagators: DEFAULT_PROPAGATORS,
  ...(cfg.exportDelayMs === undefined ? {} : { exportDelayMs: cfg.exportDelayMs }),
});
const limits = { maxConnections: 100_000 };
const inbound = cfg.role === "inbound";
// Outbound: the Service VIP's one port, whose cluster is B's inbound port (mesh mTLS, B's identity).
const svc: MeshServiceIR = { namespace: "bench", name: "reviews", clusterIPs: ["127.0.0.10"], ports: [{ port: 9080, cluster: "bench/reviews:9080", consumers: {} }] };
const ir: MeshIR = inbound ? { gateways: [], services: [], clusters: [], secrets: [] } : {
  gateways: [],
  secrets: [],
  services: [svc],
  clusters: [{ id: "bench/reviews:9080", namespace: "bench", service: "reviews", port: 9080, protocol: cfg.protocol ?? "http1",
    ...(cfg.clusterLimits !== undefined ? { limits: cfg.clusterLimits } : {}),
    endpoints: [{ address: "127.0.0.1", port: cfg.port, ready: true, serving: true, terminating: false, identity: cfg.peerIdentity }] }],
};
const engine = createHttpEngine({ limits, ...(tracing !== undefined ? { tracing } : {}) });
engine.setState(engineStateOf(ir, inbound ? "b" : "a"));
if (!inbound) engine.setMeshTls(cfg.mat);
const sc = await startSidecar({
  engine,
  outboundPort: 0,
  inboundPort: 0,
  host: "127.0.0.1",
  meshTls: cfg.mat,
  ...(inbound ?
    { inboundMode: "strict" as const, lookup: () => undefined, originalDestination: () => ({ address: "127.0.0.1", port: cfg.port }) } :
    {
      lookup: (ip: string, p: number) => (ip === "127.0.0.10" && p === 9080 ? { service: svc, port: svc.ports[0]!, routes: undefined } : undefined),
      originalDestination: () => ({ address: "127.0.0.10", port: 9080 }),
    }),
});
const port = inbound ? sc.inboundPort : sc.outboundPort;
process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
// SIGUSR2: one JSON line with the V8 heap and node's memory figures (benchmarks/proxy/conn-cost.bench.ts).
process.on("SIGUSR2", () => {
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
  process.stdout.write(`${JSON.stringify({ memory: process.memoryUsage(), spaces })}\n`);
});
