// tls-connect: what TLS and token checks cost on the distribution port. N proxies (real
// DistributionClients, each on its own channel) connect to one server and wait for their first
// config, once over plaintext without tokens and once over TLS (mesh-CA certificate) with tokens,
// hello/token matching and gateway authorization. Server and clients share this process, so CPU
// figures are the sum of both sides. Bounded: N ≤ 2000 and 60 s per mode.
// Run: node benchmarks/security/tls-connect.bench.ts [proxies=200]
import * as grpc from "@grpc/grpc-js";
import { authorizeProxy } from "../../pkg/controller/distribution-auth.ts";
import { startDistributionTls } from "../../pkg/controller/distribution-tls.ts";
import { DISTRIBUTION_AUDIENCE, createMeshCa, createStaticTokenAuthenticator, type StaticToken } from "../../pkg/ca/index.ts";
import { createDistributionClient, createDistributionServer, type DistributionClient } from "../../pkg/distribution/index.ts";
import { SILENT_LOG } from "../../pkg/k8s/log.ts";
import { sampleIr } from "../../test/distribution/ir-fixtures.ts";

const N = Math.min(2000, Math.max(1, Number(process.argv[2] ?? 200)));
const HOST = "weft.weft-system.svc";

async function run(mode: "plaintext" | "tls+tokens"): Promise<void> {
  const secure = mode === "tls+tokens";
  const ca = createMeshCa({ trustDomain: "cluster.local" });
  const tokens = new Map<string, StaticToken>();
  for (let i = 0; i < N; i++) tokens.set(`token-${i}-0123456789abcdef`, { namespace: "shop", serviceAccount: `sa-${i}`, audiences: [DISTRIBUTION_AUDIENCE], expiresAt: Number.MAX_SAFE_INTEGER });
  const auth = createStaticTokenAuthenticator(tokens);
  const server = createDistributionServer(secure ? { authenticateToken: (t) => auth.authenticate(t, DISTRIBUTION_AUDIENCE), authorize: authorizeProxy } : {});
  server.setIr(sampleIr());
  const tls = secure ? startDistributionTls({ ca, namespace: "weft-system", service: "weft", extraDnsNames: [], log: SILENT_LOG }) : undefined;
  const port = await server.listen("127.0.0.1:0", tls?.credentials);
  const clients: DistributionClient[] = [];
  let configured = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const c = createDistributionClient({
      address: `127.0.0.1:${port}`,
      identity: { namespace: "shop", serviceAccount: `sa-${i}`, pod: `p-${i}`, kind: "sidecar" },
      onConfig: () => {
        configured++;
      },
      ...(secure ?
        {
          credentials: grpc.credentials.createSsl(Buffer.from(ca.trustBundle())),
          channelOptions: { "grpc.ssl_target_name_override": HOST },
          token: () => `token-${i}-0123456789abcdef`,
        } :
        {}),
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    clients.push(c);
    void c.start();
  }
  const deadline = Date.now() + 60_000;
  while (configured < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const c of clients) c.close();
  tls?.stop();
  await server.close(0);
  process.stdout.write(`${
    JSON.stringify({
      bench: "distribution-connect",
      mode,
      proxies: N,
      configured,
      wallMs: Math.round(wallMs),
      cpuMsTotal: Math.round((cpu.user + cpu.system) / 1000),
      cpuMsPerProxy: Number(((cpu.user + cpu.system) / 1000 / N).toFixed(2)),
    })
  }\n`);
}

await run("plaintext");
await run("tls+tokens");
setTimeout(() => process.exit(0), 200).unref();
