// runtime: the proxy as a program, in-process (pkg/proxy/runtime.ts startProxy), on loopback only.
// The --config door validates a file exactly as a slice from the controller (a deep reference error is
// refused, not cast), a bad file keeps the last good config, an edited file is picked up; the sidecar face
// answers from the one mesh lookup (createMeshLookup) that every config swaps; stop() closes everything.
// Readiness follows the gateway listeners (a port that cannot be bound keeps /ready at 503, naming it),
// and stop() with a drain delay keeps serving — not ready, each response closing its connection — before
// it closes (issue 15: a failed listener left the pod Ready; rollouts dropped connections).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayIR, MeshIR, MeshServiceIR } from "../../pkg/ir/types.ts";
import { parseConfig, readConfigFile } from "../../pkg/proxy/runtime/config-file.ts";
import { startProxy } from "../../pkg/proxy/runtime.ts";
import { createLogger } from "../../pkg/telemetry/index.ts";
import { contentHash } from "../../pkg/util/canonical-json.ts";
import { h1 } from "./client.ts";
import { freePort } from "../support/cluster-helpers.ts";
import { backend, cluster, endpoint, prefix, startEcho, tables, until, type Echo } from "./fixtures.ts";
import { proxyOptions } from "./proxy-options.ts";

let dir: string;
let a: Echo, b: Echo;

function gatewayIr(target: string): MeshIR {
  const gw: GatewayIR = { namespace: "gw", name: "web", ports: [{ port: 80, protocol: "HTTP", listeners: [
    { id: "gw/web/http", name: "http", protocol: "HTTP", certificates: [], routes: tables([{ matches: [prefix("/")], backends: [backend(target)] }]) },
  ] }] };
  return { gateways: [gw], services: [], clusters: [cluster("ns/a:80", [endpoint(a.port)]), cluster("ns/b:80", [endpoint(b.port)])], secrets: [] };
}

/** Every log line the proxies under test write, parsed. */
const lines: { msg: string; version?: string; path?: string }[] = [];
const log = createLogger({ name: "proxy-test", level: "info", destination: { write: (l: string) => {
  lines.push(JSON.parse(l) as { msg: string });
} } });
/** Waits (bounded) until a line with `msg` (and `version`, when given) was logged after line `since`. */
async function logged(since: number, msg: string, version?: string): Promise<void> {
  const seen = () => lines.slice(since).some((l) => l.msg === msg && (version === undefined || l.version === version));
  await until(seen, 10_000);
  expect(seen(), `logged "${msg}"`).toBe(true);
}
const serverOf = (body: string): string => (JSON.parse(body) as { server: string }).server;

beforeAll(async () => {
  [a, b] = await Promise.all([startEcho("a"), startEcho("b")]);
  dir = mkdtempSync(join(tmpdir(), "weft-runtime-"));
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("the --config door", () => {
  it("refuses a file whose route names a cluster the file does not hold, with the validator's reason", () => {
    const ir = gatewayIr("ns/missing:80");
    const r = parseConfig(JSON.stringify(ir));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^config: gateways\[0\]\.ports\[0\]\.listeners\[0\]\.routes.*missing/);
  });
  it("refuses a port out of range deep in the IR, and what is not JSON", () => {
    const ir = gatewayIr("ns/a:80");
    const bad = { ...ir, gateways: [{ ...ir.gateways[0]!, ports: [{ ...ir.gateways[0]!.ports[0]!, port: 70000 }] }] };
    expect(parseConfig(JSON.stringify(bad))).toEqual({ ok: false, reason: "config: gateways[0].ports[0].port: expected integer in [1, 65535]" });
    expect(parseConfig("{ not json").ok).toBe(false);
    expect(readConfigFile(join(dir, "absent.json"))).toEqual({ ok: false, reason: "cannot read it (ENOENT)" });
  });
  it('takes the IR alone or under "ir" (as the admin /config prints it), versioned by its content hash', () => {
    const ir = gatewayIr("ns/a:80");
    const plain = parseConfig(JSON.stringify(ir));
    const wrapped = parseConfig(JSON.stringify({ version: "x", ir }));
    expect(plain).toEqual({ ok: true, ir, version: contentHash(ir) });
    expect(wrapped).toEqual(plain);
  });
});

describe("startProxy", () => {
  it("gateway: serves the file's Gateway, keeps the last good config on a bad file, follows an edited one, and stops", { timeout: 30_000 }, async () => {
    const path = join(dir, "gateway.json");
    writeFileSync(path, JSON.stringify(gatewayIr("ns/a:80")));
    const port = await freePort();
    const proxy = await startProxy(proxyOptions({ mode: "gateway", gateway: { namespace: "gw", name: "web" }, config: { kind: "file", path }, portMap: new Map([[80, port]]) }), log);
    try {
      expect(proxy.boundPort(80)).toBe(port);
      expect(serverOf((await h1(port, "/x")).body)).toBe("a");
      const ready = await h1(proxy.adminPort, "/ready");
      expect(ready.status).toBe(200);
      // A file that parses but is invalid deep down (a route to a cluster it does not hold) is refused.
      const before = proxy.engine.state()?.version;
      let seen = lines.length;
      writeFileSync(path, JSON.stringify(gatewayIr("ns/missing:80")));
      await logged(seen, "config rejected; keeping the last good one");
      expect(proxy.engine.state()?.version).toBe(before);
      expect(serverOf((await h1(port, "/x")).body)).toBe("a");
      seen = lines.length;
      const next = gatewayIr("ns/b:80");
      writeFileSync(path, JSON.stringify(next));
      await logged(seen, "config in force", contentHash(next));
      expect(serverOf((await h1(port, "/x")).body)).toBe("b");
    } finally {
      await proxy.stop();
    }
    await expect(h1(port, "/x")).rejects.toThrow();
    await expect(h1(proxy.adminPort, "/live")).rejects.toThrow();
  });

  it("sidecar: an explicit outbound listener routes by the mesh lookup each config swaps in", { timeout: 30_000 }, async () => {
    const vipPort = await freePort();
    const service = (target: string): MeshServiceIR => ({
      namespace: "shop",
      name: "reviews",
      clusterIPs: ["127.0.0.1"],
      ports: [{ port: vipPort, cluster: "ns/a:80", producer: tables([{ matches: [prefix("/")], backends: [backend(target)] }]), consumers: {} }],
    });
    const irOf = (target: string): MeshIR => ({ gateways: [], secrets: [], services: [service(target)], clusters: gatewayIr("ns/a:80").clusters });
    const path = join(dir, "sidecar.json");
    writeFileSync(path, JSON.stringify(irOf("ns/a:80")));
    const proxy = await startProxy(proxyOptions({
      mode: "sidecar",
      namespace: "shop",
      config: { kind: "file", path },
      sidecar: { inboundPort: 0, outboundPort: 0, outboundBindings: [{ host: "127.0.0.1", port: vipPort }], inboundBindings: [], captureListeners: false },
    }), log);
    try {
      expect(proxy.sidecar).toBeDefined();
      expect(serverOf((await h1(vipPort, "/x")).body)).toBe("a");
      const seen = lines.length;
      const next = irOf("ns/b:80");
      writeFileSync(path, JSON.stringify(next));
      await logged(seen, "config in force", contentHash(next));
      expect(serverOf((await h1(vipPort, "/x")).body)).toBe("b");
    } finally {
      await proxy.stop();
    }
  });

  it("gateway: a port it cannot bind keeps /ready at 503 naming it; the next config binds it and the proxy is ready", { timeout: 30_000 }, async () => {
    const path = join(dir, "unbound.json");
    writeFileSync(path, JSON.stringify(gatewayIr("ns/a:80")));
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as AddressInfo).port;
    const seen = lines.length;
    const proxy = await startProxy(proxyOptions({ mode: "gateway", gateway: { namespace: "gw", name: "web" }, config: { kind: "file", path }, portMap: new Map([[80, port]]) }), log);
    try {
      await logged(seen, "gateway.listener_bind_failed");
      expect(proxy.engine.state()).toBeDefined();
      const notReady = await h1(proxy.adminPort, "/ready");
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatch(/^not ready: gateway listeners not bound: 80 \(listen EADDRINUSE/);
      await new Promise<void>((r) => busy.close(() => r()));
      const next = gatewayIr("ns/b:80");
      const before = lines.length;
      writeFileSync(path, JSON.stringify(next));
      await logged(before, "gateway listeners");
      expect((await h1(proxy.adminPort, "/ready")).status).toBe(200);
      expect(serverOf((await h1(port, "/x")).body)).toBe("b");
    } finally {
      await proxy.stop();
    }
  });

  it("gateway: stop() with a drain delay is not ready at once, keeps serving (closing each connection after its answer), then closes", { timeout: 30_000 }, async () => {
    const path = join(dir, "drain.json");
    writeFileSync(path, JSON.stringify(gatewayIr("ns/a:80")));
    const port = await freePort();
    const proxy = await startProxy(proxyOptions({ mode: "gateway", gateway: { namespace: "gw", name: "web" }, config: { kind: "file", path }, portMap: new Map([[80, port]]), drainDelayMs: 3_000 }),
      log);
    expect((await h1(proxy.adminPort, "/ready")).status).toBe(200);
    const seen = lines.length;
    const stopped = proxy.stop();
    await logged(seen, "drain announced; still serving");
    const ready = await h1(proxy.adminPort, "/ready");
    expect(ready).toMatchObject({ status: 503, body: "not ready: draining\n" });
    const during = await h1(port, "/x");
    expect(during.status).toBe(200);
    expect(serverOf(during.body)).toBe("a");
    expect(during.headers["connection"]).toBe("close");
    await stopped;
    await expect(h1(port, "/x")).rejects.toThrow();
  });

  it("gateway: stop() keeps serving past the drain delay while new connections still arrive, up to its maximum", { timeout: 30_000 }, async () => {
    const path = join(dir, "drain-busy.json");
    writeFileSync(path, JSON.stringify(gatewayIr("ns/a:80")));
    const port = await freePort();
    const proxy = await startProxy(
      proxyOptions({ mode: "gateway", gateway: { namespace: "gw", name: "web" }, config: { kind: "file", path }, portMap: new Map([[80, port]]), drainDelayMs: 500, drainDelayMaxMs: 20_000 }),
      log,
    );
    const seen = lines.length;
    const stopAt = performance.now();
    let stoppedAt: number | undefined;
    const stopped = proxy.stop().then(() => (stoppedAt = performance.now()));
    await logged(seen, "drain announced; still serving");
    // A fresh connection every 100 ms for 2 s (a node whose Service rules still list the pod): all served.
    const answers: number[] = [];
    while (performance.now() - stopAt < 2_000) {
      answers.push((await h1(port, "/x")).status);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stoppedAt).toBeUndefined();
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.every((s) => s === 200)).toBe(true);
    // Then quiet: it stops on its own, long before its maximum.
    await stopped;
    const over = lines.slice(seen).find((l) => l.msg === "drain delay over; closing listeners") as { servedMs?: number } | undefined;
    expect(over?.servedMs).toBeGreaterThanOrEqual(2_000);
    expect(over?.servedMs).toBeLessThan(20_000);
    await expect(h1(port, "/x")).rejects.toThrow();
  });

  it("throws when it cannot start, after closing what it opened", async () => {
    const path = join(dir, "busy.json");
    writeFileSync(path, JSON.stringify(gatewayIr("ns/a:80")));
    const port = await freePort();
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const adminPort = (busy.address() as AddressInfo).port;
    try {
      await expect(startProxy(proxyOptions({ mode: "gateway", gateway: { namespace: "gw", name: "web" }, config: { kind: "file", path }, portMap: new Map([[80, port]]), adminPort }), log)).rejects
        .toThrow(
          /EADDRINUSE/,
        );
      // The gateway listener it had opened is closed again.
      await expect(h1(port, "/x")).rejects.toThrow();
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});
