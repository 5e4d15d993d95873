// gateway-target: a real `weft proxy --mode gateway` for the memory benchmark, serving one HTTP
// listener (every path to one loopback node:http origin) from a static IR file.
// Takes a work directory; gives the proxy's pid, listener port, and stop(). Must not: bind anything
// but 127.0.0.1.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { MeshIR } from "../../pkg/ir/types.ts";
import { GATEWAY_NODE_OPTIONS } from "../../pkg/util/proxy-node-options.ts";

const ROOT = join(import.meta.dirname, "../..");

import { kill } from "../../test/support/child-processes.ts";
import { freePort } from "../../test/support/free-port.ts";

export { freePort };

export function httpGet(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

export async function until(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function gatewayIr(originPort: number): MeshIR {
  const rule = { id: "HTTPRoute/bench/web/0", route: { kind: "HTTPRoute" as const, namespace: "bench", name: "web", generation: 1 }, ruleIndex: 0, filters: [],
    backends: [{ kind: "cluster" as const, cluster: "bench/origin:80", weight: 1, filters: [] }], timeouts: {} };
  const routes = {
    http: { kind: "http" as const,
      entries: [{ hostnames: [], match: { kind: "http" as const, path: { type: "PathPrefix" as const, value: "/" }, headers: [], queryParams: [] }, rule: 0, matchIndex: 0 }], rules: [rule] },
    grpc: { kind: "grpc" as const, entries: [], rules: [] },
  };
  return {
    gateways: [{ namespace: "bench", name: "gw", ports: [{ port: 80, protocol: "HTTP", listeners: [{ id: "bench/gw/http", name: "http", protocol: "HTTP", certificates: [], routes }] }] }],
    services: [],
    secrets: [],
    clusters: [{ id: "bench/origin:80", namespace: "bench", service: "origin", port: 80, protocol: "http1",
      endpoints: [{ address: "127.0.0.1", port: originPort, ready: true, serving: true, terminating: false }] }],
  };
}

export interface GatewayTarget {
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startGatewayTarget(work: string, nodeArgs: readonly string[] = []): Promise<GatewayTarget> {
  const origin: Server = createServer((_req, res) => res.end("ok\n"));
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  const irPath = join(work, "gateway-ir.json");
  writeFileSync(irPath, JSON.stringify(gatewayIr((origin.address() as AddressInfo).port)));
  const [port, admin] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(ROOT, "cmd/weft.ts"), "proxy", "--mode", "gateway", "--gateway", "bench/gw", "--config", irPath, "--bind", "127.0.0.1",
    "--port-map", `80=${port}`, "--admin-port", String(admin), "--drain-ms", "1000", "--log-level", "error"], { stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NODE_OPTIONS: GATEWAY_NODE_OPTIONS } });
  await until("the gateway", async () => (await httpGet(port, "/")) === 200);
  return {
    pid: child.pid!,
    port,
    async stop() {
      await kill(child);
      await new Promise<void>((r) => origin.close(() => r()));
    },
  };
}
