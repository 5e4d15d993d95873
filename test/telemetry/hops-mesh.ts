// hops-mesh: a three-proxy mesh on loopback for the end-to-end observability tests (hops-*.test.ts):
// client → gateway engine → sidecar A outbound face (original destination = the reviews VIP) → mesh
// mTLS (SPIFFE verified, strict inbound) → sidecar B inbound face → B's app. Every proxy has its
// own Tracing exporting to one in-test OTLP receiver. Takes the protocol of the hops and the
// tracing/route knobs; gives the ports, the app, the tracers and close().
// Must not: listen anywhere but 127.0.0.1, or leave servers, sessions or exporters running after close().
import * as grpc from "@grpc/grpc-js";
import { expect } from "vitest";
import type { MeshIR, MeshServiceIR, RetryIR, UpstreamProtocol } from "../../pkg/ir/types.ts";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { initTracing, type PropagatorName, type ProxyMetrics, type Tracing } from "../../pkg/telemetry/index.ts";
import { testCa } from "../support/certs.ts";
import { backend, cluster, endpoint, grpcMethod, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "../proxy/fixtures.ts";
import { EchoClient, startGrpcEcho, type GrpcEcho } from "../proxy/grpc-fixture.ts";
import type { OtlpReceiver, ReceivedSpan } from "../support/otlp/otlp-receiver.ts";

export const TRUST_DOMAIN = "cluster.local";
export const ID_A = `spiffe://${TRUST_DOMAIN}/ns/shop/sa/frontend`;
export const ID_B = `spiffe://${TRUST_DOMAIN}/ns/shop/sa/reviews`;
export const REVIEWS_VIP = "10.96.0.10";
export const GATEWAY_CLUSTER = "shop/frontend:9080";
export const REVIEWS_CLUSTER = "shop/reviews:9080";

export interface MeshOptions {
  readonly receiver: OtlpReceiver;
  readonly exportProtocol: "http" | "grpc";
  /** Protocol of gateway → A and A → B clusters; "grpc" also puts a gRPC app behind B. */
  readonly hop: UpstreamProtocol;
  readonly gatewayRatio?: number;
  readonly sidecarRatio?: number;
  readonly gatewayPropagators?: readonly PropagatorName[];
  readonly sidecarPropagators?: readonly PropagatorName[];
  /** Retry policy on the gateway's rule. */
  readonly gatewayRetry?: RetryIR;
  /** Takes over the HTTP app's answer (return true), e.g. to fail the first calls. */
  readonly appBehaviour?: Parameters<typeof startEcho>[1];
  /** pkg/telemetry proxy metric sets for the gateway and the two sidecar engines. */
  readonly telemetry?: { readonly gateway?: ProxyMetrics; readonly a?: ProxyMetrics; readonly b?: ProxyMetrics };
}

export interface Mesh {
  readonly gateway: ProxyUnderTest;
  readonly sidecarA: Sidecar;
  readonly sidecarB: Sidecar;
  readonly engineA: WeftHttpEngine;
  readonly engineB: WeftHttpEngine;
  /** HTTP app (for hop http1/h2c) or gRPC app (hop grpc) behind B. */
  readonly app: Echo | undefined;
  readonly grpcApp: GrpcEcho | undefined;
  readonly tracers: readonly Tracing[];
  flush(): Promise<void>;
  close(): Promise<void>;
}

const reviews: MeshServiceIR = { namespace: "shop", name: "reviews", clusterIPs: [REVIEWS_VIP], ports: [{ port: 9080, cluster: REVIEWS_CLUSTER, consumers: {} }] };

type Material = { keyPem: string; certChainPem: string; trustBundlePem: string; identity: string };
let material: { matA: Material; matB: Material } | undefined;

/** One CA and two SPIFFE leaves per test file (RSA key generation is slow). */
function meshMaterial(): { matA: Material; matB: Material } {
  if (material !== undefined) return material;
  const ca = testCa("hops-ca");
  const leafA = ca.leaf({ cn: "frontend", uris: [ID_A] });
  const leafB = ca.leaf({ cn: "reviews", uris: [ID_B] });
  material = {
    matA: { keyPem: leafA.keyPem, certChainPem: leafA.certPem, trustBundlePem: ca.certPem, identity: ID_A },
    matB: { keyPem: leafB.keyPem, certChainPem: leafB.certPem, trustBundlePem: ca.certPem, identity: ID_B },
  };
  return material;
}

export async function startMesh(o: MeshOptions): Promise<Mesh> {
  const tracers: Tracing[] = [];
  const tracer = (serviceName: string, samplingRatio: number, propagators: readonly PropagatorName[]): Tracing => {
    const t = initTracing({ serviceName, protocol: o.exportProtocol, otlpEndpoint: o.receiver.endpoint, samplingRatio, propagators, exportDelayMs: 50 });
    tracers.push(t);
    return t;
  };
  const sidecarProps = o.sidecarPropagators ?? ["tracecontext", "baggage"];
  const app = o.hop === "grpc" ? undefined : await startEcho("reviews-app", o.appBehaviour);
  const grpcApp = o.hop === "grpc" ? await startGrpcEcho("reviews-app") : undefined;
  const appPort = app?.port ?? grpcApp!.port;

  const { matA, matB } = meshMaterial();

  const engineB: WeftHttpEngine = createHttpEngine({ tracing: tracer("reviews-sidecar", o.sidecarRatio ?? 1, sidecarProps), ...(o.telemetry?.b !== undefined ? { telemetry: o.telemetry.b } : {}) });
  engineB.setState(engineStateOf({ gateways: [], services: [], clusters: [], secrets: [] }, "cfg-b"));
  const sidecarB = await startSidecar({ engine: engineB, outboundPort: 0, inboundPort: 0, host: "127.0.0.1", meshTls: matB, inboundMode: "strict", lookup: () => undefined,
    originalDestination: () => ({ address: "127.0.0.1", port: appPort }), log: () => {} });

  const irA: MeshIR = { gateways: [], secrets: [], services: [reviews], clusters: [
    { id: REVIEWS_CLUSTER, namespace: "shop", service: "reviews", port: 9080, protocol: o.hop,
      endpoints: [{ address: "127.0.0.1", port: sidecarB.inboundPort, ready: true, serving: true, terminating: false, identity: ID_B }] },
  ] };
  const engineA: WeftHttpEngine = createHttpEngine({ tracing: tracer("frontend-sidecar", o.sidecarRatio ?? 1, sidecarProps), ...(o.telemetry?.a !== undefined ? { telemetry: o.telemetry.a } : {}) });
  engineA.setState(engineStateOf(irA, "cfg-a"));
  engineA.setMeshTls(matA);
  const sidecarA = await startSidecar({ engine: engineA, outboundPort: 0, inboundPort: 0, host: "127.0.0.1", meshTls: matA,
    lookup: (ip) => (ip === REVIEWS_VIP ? { service: reviews, port: reviews.ports[0]!, routes: undefined } : undefined), originalDestination: () => ({ address: REVIEWS_VIP, port: 9080 }),
    log: () => {} });

  const rules = o.hop === "grpc"
    ? tables([{ matches: [grpcMethod("test.Echo")], backends: [backend(GATEWAY_CLUSTER)] }])
    : tables([{ matches: [prefix("/")], backends: [backend(GATEWAY_CLUSTER)], ...(o.gatewayRetry !== undefined ? { retry: o.gatewayRetry } : {}) }]);
  const gateway = await startProxy(meshIR([cluster(GATEWAY_CLUSTER, [endpoint(sidecarA.outboundPort)], o.hop)]), rules, {
    tracing: tracer("weft-gateway", o.gatewayRatio ?? 1, o.gatewayPropagators ?? ["tracecontext", "baggage"]),
    ...(o.telemetry?.gateway !== undefined ? { telemetry: o.telemetry.gateway } : {}),
  });

  return {
    gateway,
    sidecarA,
    sidecarB,
    engineA,
    engineB,
    app,
    grpcApp,
    tracers,
    flush: async () => {
      await Promise.all(tracers.map((t) => t.forceFlush()));
    },
    close: async () => {
      await gateway.close();
      await Promise.all([sidecarA.close(), sidecarB.close()]);
      await Promise.all([engineA.drain(10), engineB.drain(10)]);
      await Promise.all(tracers.map((t) => t.shutdown()));
      await app?.close();
      await grpcApp?.close();
    },
  };
}

/** A gRPC client for the test.Echo service through the gateway (insecure h2c). */
export function grpcClient(port: number): grpc.Client {
  return new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** The span chain server→client→server→client→server→client of one request, by service and kind. */
export const CHAIN: readonly (readonly [string, number])[] = [
  ["weft-gateway", 2],
  ["weft-gateway", 3],
  ["frontend-sidecar", 2],
  ["frontend-sidecar", 3],
  ["reviews-sidecar", 2],
  ["reviews-sidecar", 3],
];

/** Checks the six spans of one request form the chain above (one trace id, each parented by the
 *  previous hop, the first by `rootParent`) and returns them in chain order. */
export function chainOf(spans: readonly ReceivedSpan[], rootParent = ""): ReceivedSpan[] {
  const chain = CHAIN.map(([svc, kind]) => {
    const found = spans.filter((s) => s.serviceName === svc && s.kind === kind);
    expect(found, `${svc} kind ${kind}`).toHaveLength(1);
    return found[0]!;
  });
  expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  expect(chain[0]!.parentSpanId).toBe(rootParent);
  for (let i = 1; i < chain.length; i++) expect(chain[i]!.parentSpanId, `${chain[i]!.serviceName} kind ${chain[i]!.kind}`).toBe(chain[i - 1]!.spanId);
  return chain;
}

/** Clears the receiver, runs `send`, flushes every tracer and returns the `n` spans that arrived
 *  (waiting for them; more than `n` fails). */
export async function spansOf(mesh: Mesh, receiver: OtlpReceiver, send: () => Promise<void>, n = 6): Promise<ReceivedSpan[]> {
  receiver.spans.length = 0;
  await send();
  await mesh.flush();
  const spans = await receiver.waitForSpans(n);
  await mesh.flush();
  expect(spans).toHaveLength(n);
  return [...spans];
}
