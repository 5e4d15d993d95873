// bench-sidecar-pair: two Weft sidecars in one process (client side A, server side B) for the benchmark:
// client → A outbound (original destination supplied as the Service VIP) → A's engine → mesh mTLS
// (HTTP/1.1, SPIFFE-verified) → B inbound → B's engine → the origin as B's local app. The original destination is
// given by the sidecar's test hook instead of iptables, so the pair runs on loopback without netns.
// Args: <originH1Port>.
// The Service VIP is a loopback address (127.0.0.10) where nothing listens: a connection the outbound
// sidecar cannot tell is HTTP (first bytes later than its peek window) is passed through to it and
// refused, instead of leaving the machine. Prints {"port":…, "pid":…}; exits on SIGTERM.
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { startSidecar } from "../../pkg/proxy/sidecar/index.ts";
import type { MeshIR, MeshServiceIR } from "../../pkg/ir/types.ts";
import { testCa } from "../../test/support/certs.ts";

const originPort = Number(process.argv[2]);
const td = "cluster.local";
const idA = `spiffe://${td}/ns/bench/sa/client`;
const idB = `spiffe://${td}/ns/bench/sa/reviews`;
const ca = testCa("bench-mesh-ca");
const leafA = ca.leaf({ cn: "client", uris: [idA] });
const leafB = ca.leaf({ cn: "reviews", uris: [idB] });
const matA = { keyPem: leafA.keyPem, certChainPem: leafA.certPem, trustBundlePem: ca.certPem, identity: idA };
const matB = { keyPem: leafB.keyPem, certChainPem: leafB.certPem, trustBundlePem: ca.certPem, identity: idB };

const engineB = createHttpEngine({ limits: { maxConnections: 100_000 } });
engineB.setState(engineStateOf({ gateways: [], services: [], clusters: [], secrets: [] }, "b"));
const sidecarB = await startSidecar({
  engine: engineB,
  outboundPort: 0,
  inboundPort: 0,
  host: "127.0.0.1",
  meshTls: matB,
  inboundMode: "strict",
  lookup: () => undefined,
  originalDestination: () => ({ address: "127.0.0.1", port: originPort }),
});

const svc: MeshServiceIR = { namespace: "bench", name: "reviews", clusterIPs: ["127.0.0.10"], ports: [{ port: 9080, cluster: "bench/reviews:9080", consumers: {} }] };
const ir: MeshIR = {
  gateways: [],
  secrets: [],
  services: [svc],
  clusters: [{ id: "bench/reviews:9080", namespace: "bench", service: "reviews", port: 9080, protocol: "http1",
    endpoints: [{ address: "127.0.0.1", port: sidecarB.inboundPort, ready: true, serving: true, terminating: false, identity: idB }] }],
};
const engineA = createHttpEngine({ limits: { maxConnections: 100_000 } });
engineA.setState(engineStateOf(ir, "a"));
engineA.setMeshTls(matA);
const sidecarA = await startSidecar({
  engine: engineA,
  outboundPort: 0,
  inboundPort: 0,
  host: "127.0.0.1",
  meshTls: matA,
  lookup: (ip, port) => (ip === "127.0.0.10" && port === 9080 ? { service: svc, port: svc.ports[0]!, routes: undefined } : undefined),
  originalDestination: () => ({ address: "127.0.0.10", port: 9080 }),
});
process.stdout.write(`${JSON.stringify({ port: sidecarA.outboundPort, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
