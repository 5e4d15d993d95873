// proxy-bundle: the proxy's one-file bundle (tools/bundle-proxy.ts: cmd/weft-proxy.ts with its packages,
// what the image's `weft proxy` and `weft local` run) holds grpc-js but not @kubernetes/client-node,
// node-forge or the OpenTelemetry SDK, and runs alone: bundled into a directory with nothing else in it (no tsc
// emit beside it), a sidecar from it gets its config from a loopback distribution server, its workload
// certificate from that server's Sign RPC, answers /ready 200 only then, and exits 0 on SIGTERM. Its text is
// whitespace-minified and holds no character beyond Latin-1 (V8 keeps such a text at one byte per character
// for the process's life); the bundler refuses one that does. Tracing's OpenTelemetry is a file of its own beside
// it, weft-otel.cjs (only what pkg/telemetry/otel-surface.ts names), and a bundled tracer runs from it alone.
// The bundle goes to a directory of its own under .cache/ (inside the repo, as dist/ is), removed afterwards.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeshCa } from "../../pkg/ca/mesh-ca.ts";
import { DISTRIBUTION_AUDIENCE, createSignHandler } from "../../pkg/ca/sign-handler.ts";
import { createStaticTokenAuthenticator } from "../../pkg/ca/token-authenticator.ts";
import { createDistributionServer, type DistributionServer } from "../../pkg/distribution/index.ts";
import { beyondLatin1, bundleProxy, type ProxyBundle } from "../../tools/bundle-proxy.ts";
import { freePort } from "../support/free-port.ts";
import { startGrpcReceiver, startHttpReceiver } from "../support/otlp/otlp-receiver.ts";

const root = resolve(import.meta.dirname, "../..");
const node = join(root, "node_modules/.bin/node");
const out = join(root, ".cache", `test-proxy-bundle-${process.pid}`);
const probeOut = join(root, ".cache", `test-otel-probe-${process.pid}`);
let bundle: ProxyBundle;
let server: DistributionServer;
let grpcPort = 0;
let child: ChildProcess | undefined;

beforeAll(async () => {
  bundle = await bundleProxy(out);
  const ca = createMeshCa({ trustDomain: "cluster.local" });
  const sign = createSignHandler({
    ca,
    authenticator: createStaticTokenAuthenticator(
      new Map([["t-reviews", { namespace: "bench", serviceAccount: "reviews", audiences: [DISTRIBUTION_AUDIENCE], expiresAt: Date.now() + 3600_000 }]]),
    ),
  });
  server = createDistributionServer({ sign });
  server.setIr({ gateways: [], services: [], clusters: [], secrets: [] });
  grpcPort = await server.listen("127.0.0.1:0");
  writeFileSync(join(out, "token"), "t-reviews", { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) child.kill("SIGKILL");
  await server?.close(0);
  rmSync(out, { recursive: true, force: true });
});

function readyStatus(port: number): Promise<number> {
  return new Promise((r) => {
    get({ host: "127.0.0.1", port, path: "/ready", timeout: 2000 }, (res) => {
      res.resume();
      r(res.statusCode ?? 0);
    }).on("error", () => r(0));
  });
}

describe("the proxy bundle", () => {
  it("holds grpc-js and the proxy's sources, and none of @kubernetes/client-node, node-forge, the OpenTelemetry SDK", () => {
    expect(bundle.file).toBe(join(out, "cmd/weft-proxy.js"));
    expect(bundle.inputs).toContain("cmd/weft/proxy.ts");
    expect(bundle.inputs.some((f) => f.startsWith("node_modules/@grpc/grpc-js/"))).toBe(true);
    expect(bundle.inputs.filter((f) => /node_modules\/(@kubernetes|node-forge|@opentelemetry\/(sdk|exporter|resources|core|propagator))/.test(f))).toEqual([]);
    // Alone in its directory: the file, its source map, the .proto it reads beside itself, and OpenTelemetry for tracing.
    expect(readdirSync(join(out, "cmd")).sort()).toEqual(["weft-distribution.proto", "weft-otel.cjs", "weft-otel.cjs.map", "weft-proxy.js", "weft-proxy.js.map"]);
  });

  it("gives tracing OpenTelemetry as one file, weft-otel.cjs, without what the surface does not name", () => {
    expect(bundle.otelFile).toBe(join(out, "cmd/weft-otel.cjs"));
    expect(bundle.otelInputs.some((f) => f.startsWith("node_modules/@opentelemetry/core/build/esm/"))).toBe(true);
    const text = readFileSync(bundle.otelFile, "utf8");
    expect(beyondLatin1(text)).toBeUndefined();
    // The packages' CommonJS builds hold ~720 kB of source, ~390 kB of it semantic-convention constants core's index loads.
    expect(text.length).toBeLessThan(200_000);
    expect(text).not.toContain("aws.dynamodb.table_names");
    expect(text).toContain("traceparent");
  });

  it("runs tracing from weft-otel.cjs: spans reach an OTLP/HTTP receiver, no OpenTelemetry or gRPC module loads from node_modules", { timeout: 60_000 }, async () => {
    const probe = await bundleProxy(probeOut, "test/support/otel-bundle-probe.ts");
    const receiver = await startHttpReceiver();
    try {
      // Not spawnSync: the receiver answers on this process's event loop.
      const r = await promisify(execFile)(node, [probe.file, receiver.endpoint], { encoding: "utf8", timeout: 30_000 });
      const printed = JSON.parse(r.stdout) as { loaded: string[]; traceparent: string | null };
      expect(printed.loaded).toEqual([]);
      const spans = await receiver.waitForSpans(2, 10_000);
      const server = spans.find((s) => s.name === "probe-server"), client = spans.find((s) => s.name === "probe-client");
      expect(server?.kind).toBe(2);
      expect(client?.parentSpanId).toBe(server?.spanId);
      expect(client?.resource["service.name"]).toBe("probe");
      expect(printed.traceparent).toBe(`00-${client?.traceId}-${client?.spanId}-01`);
    } finally {
      await receiver.close();
    }
  });

  it("runs the OTLP/gRPC export from weft-otel.cjs on the process's own gRPC: spans reach a receiver, no second @grpc/grpc-js", { timeout: 60_000 }, async () => {
    const receiver = await startGrpcReceiver();
    try {
      const r = await promisify(execFile)(node, [join(probeOut, "cmd/otel-bundle-probe.js"), receiver.endpoint, "grpc"], { encoding: "utf8", timeout: 30_000 });
      const printed = JSON.parse(r.stdout) as { loaded: string[]; traceparent: string | null };
      expect(printed.loaded).toEqual([]);
      const spans = await receiver.waitForSpans(2, 10_000);
      expect(spans.find((s) => s.name === "probe-client")?.parentSpanId).toBe(spans.find((s) => s.name === "probe-server")?.spanId);
    } finally {
      await receiver.close();
      rmSync(probeOut, { recursive: true, force: true });
    }
  });

  it("is text V8 holds at one byte per character, without the sources' comments and indentation", () => {
    const text = readFileSync(bundle.file, "utf8");
    expect(beyondLatin1(text)).toBeUndefined();
    // The sources' doc comments (one held a "⇒") are not in it; their code is, on few long lines.
    expect(text).not.toContain("Exchanges completed on this connection");
    expect(text).toContain("sidecar.listening");
    expect(text.split("\n").length).toBeLessThan(1000);
    expect(beyondLatin1("plain ascii, é ©")).toBeUndefined();
    expect(beyondLatin1("a ⇒ b")).toEqual({ offset: 2, char: "⇒" });
  });

  it("runs a sidecar alone: config and certificate from the controller, then ready; exit 0 on SIGTERM", { timeout: 90_000 }, async () => {
    const admin = await freePort();
    child = spawn(node, [bundle.file, "--mode", "sidecar", "--namespace", "bench", "--pod", "reviews-1", "--service-account", "reviews", "--token-path", join(out, "token"), "--controller",
      `127.0.0.1:${grpcPort}`, "--admin-port", String(admin), "--bind", "127.0.0.1", "--capture", "false", "--listen-inbound", `127.0.0.1:${await freePort()}=${await freePort()}`, "--drain-ms", "0"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WEFT_CONTROLLER_INSECURE: "true" } });
    const seen: string[] = [];
    for (const s of [child.stdout!, child.stderr!]) createInterface({ input: s }).on("line", (l) => seen.push(l));
    const end = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < end && child.exitCode === null && (status = await readyStatus(admin)) !== 200) await new Promise((r) => setTimeout(r, 50));
    expect(status, seen.join("\n")).toBe(200);
    const logged = (msg: string) => seen.some((l) => l.includes(msg));
    while (Date.now() < end && !(logged("config in force") && logged("workload certificate issued"))) await new Promise((r) => setTimeout(r, 20));
    expect(seen.some((l) => l.includes("config in force"))).toBe(true);
    expect(seen.some((l) => l.includes("workload certificate issued"))).toBe(true);
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
