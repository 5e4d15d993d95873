// local-units: the pieces of `weft local` that need no processes: the plan read from the example
// manifests, the dev token file parser, the controller flag guard, the trace summary, and the
// precise refusal when the gateway port is busy (a real `weft local` run that must fail fast).
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { readFileSync, readdirSync } from "node:fs";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { parseLocalDevTokens } from "../../pkg/controller/local-dev-identity.ts";
import { planLocal } from "../../pkg/local/plan.ts";
import { plannedAddresses } from "../../pkg/local/run.ts";
import { bannerCommands } from "../../pkg/local/banner.ts";
import { summarizeTrace, type CollectedSpan } from "../../pkg/local/traces.ts";
import { NODE_BIN_PATH, REPO } from "./support/e2e-helpers.ts";
import { fcParams } from "../support/fast-check-env.ts";

const EXAMPLES = join(REPO, "examples/local");
type Obj = { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { clusterIP?: string; ports?: { port: number }[] }; status?: { podIP?: string } };
const objects = (): Obj[] => readdirSync(EXAMPLES).flatMap((f) => parseAllDocuments(readFileSync(join(EXAMPLES, f), "utf8")).map((d) => d.toJS() as Obj));

describe("local plan from examples/local", () => {
  const plan = planLocal({ dir: EXAMPLES, basePort: 30000, gatewayPort: 30999, verbose: false });

  it("one app + sidecar per Pod at its pod IP, the outbound face on every Service ClusterIP:port", () => {
    const pods = objects().filter((o) => o.kind === "Pod");
    expect(plan.apps.map((a) => `${a.namespace}/${a.pod}@${a.podIp}`).sort()).toEqual(pods.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}@${p.status!.podIP}`).sort());
    const svcAddrs = objects().filter((o) => o.kind === "Service").flatMap((s) => s.spec!.ports!.map((p) => `${s.spec!.clusterIP}:${p.port}`)).sort();
    const owners = plan.apps.filter((a) => a.outbound.length > 0);
    expect(owners.length).toBe(1);
    expect(owners[0]!.outbound.map((o) => `${o.host}:${o.port}`).sort()).toEqual(svcAddrs);
    for (const a of plan.apps) expect(a.inboundPorts.length).toBeGreaterThan(0);
    expect(plan.apps.find((a) => a.pod === "echo-grpc-0")!.inboundClusters.get(7070)).toBe("demo/echo-grpc:7070");
  });

  it("every planned address is loopback and no two collide", () => {
    const addrs = plannedAddresses(plan);
    expect(addrs.every((a) => a.host.startsWith("127."))).toBe(true);
    const keys = addrs.map((a) => `${a.host}:${a.port}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("the gateway is served on --gateway-port and the banner uses it (explain keeps the listener port)", () => {
    expect(plan.gateways[0]!.portMap.get(8080)).toBe(30999);
    expect(plan.gateways[0]!.serviceAccount).toBe("weft-gw-public");
    const cmds = bannerCommands(plan, REPO);
    expect(cmds.find((c) => c.kind === "header-match")!.command).toContain("http://127.0.0.1:30999/reviews");
    expect(cmds.find((c) => c.kind === "explain")!.command).toContain("http://127.0.0.1:8080/reviews");
  });
});

describe("local dev tokens", () => {
  it("accepts a well-formed file and maps tokens to ServiceAccounts", () => {
    const m = parseLocalDevTokens(JSON.stringify({ tokens: [{ token: "a".repeat(32), namespace: "demo", serviceAccount: "web" }] }));
    expect(m.get("a".repeat(32))).toMatchObject({ namespace: "demo", serviceAccount: "web" });
  });

  it("rejects malformed files without echoing a token", () => {
    // The secret carries a marker no message contains, so "not echoed" cannot pass or fail by accident
    // (a bare generated word such as "name" also occurs in the fixed message text).
    // Tokens need 16..4096 characters: the 4-character marker plus at most 11 keeps this one too short.
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 11 }), fc.string(), (short, ns) => {
      const secret = `Q7z!${short}`;
      const bad = [
        JSON.stringify({ tokens: [{ token: secret, namespace: "demo", serviceAccount: "web" }] }),
        JSON.stringify({ tokens: [{ token: `${secret}${"x".repeat(20)}`, namespace: `${ns}/`, serviceAccount: "web" }] }),
        `{${secret}`,
      ];
      for (const text of bad) {
        let msg = "";
        try {
          parseLocalDevTokens(text);
        } catch (e) {
          msg = (e as Error).message;
        }
        expect(msg).toMatch(/^--local-dev-tokens: /);
        expect(msg).not.toContain("Q7z!");
      }
    }), { ...fcParams(100), examples: [["name", ""]] });
  });

  it("the controller refuses --local-dev-tokens with the kube provider", () => {
    expect(() => parseControllerOptions(["--provider", "kube", "--local-dev-tokens", "/x"], {})).toThrow(/local mode only/);
    expect(parseControllerOptions(["--provider", "file", "--dir", "d", "--local-dev-tokens", "/x"], {}).localDevTokens).toBe("/x");
  });
});

describe("trace summary", () => {
  it("orders hops by start, takes the root's status and duration and the first route", () => {
    const span = (id: string, parent: string, start: number, end: number, mode: string, attrs: Record<string, string> = {}): CollectedSpan => ({
      traceId: "abcdef0123456789",
      spanId: id,
      parentSpanId: parent,
      name: "GET",
      server: true,
      startNs: BigInt(start) * 1_000_000n,
      endNs: BigInt(end) * 1_000_000n,
      attrs: { "weft.proxy.mode": mode, "http.response.status_code": "200", ...attrs },
    });
    const line = summarizeTrace([
      span("b", "a", 3, 9, "sidecar", { "weft.peer.identity": "spiffe://cluster.local/ns/demo/sa/web" }),
      span("a", "", 1, 11, "gateway", { "weft.route": "HTTPRoute/demo/web" }),
    ]);
    expect(line).toBe("trace abcdef01 2 hops 10.0 ms status 200 route HTTPRoute/demo/web: gateway GET 200 → sidecar(mTLS) GET 200");
  });
});

describe("weft local refuses a busy gateway port", () => {
  let busy: Server | undefined;
  afterAll(async () => {
    await new Promise<void>((r) => (busy ? busy.close(() => r()) : r()));
  });

  it("exits 1 naming the address and the flag to change it", async () => {
    busy = createServer();
    const port = await new Promise<number>((r) => busy!.listen(0, "127.0.0.1", () => r((busy!.address() as { port: number }).port)));
    const res = spawnSync(process.execPath, ["cmd/weft.ts", "local", "--base-port", "31000", "--gateway-port", String(port)], {
      cwd: REPO,
      env: { ...process.env, PATH: NODE_BIN_PATH },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`127.0.0.1:${port} (the gateway demo/public listener 8080) is already in use: use --gateway-port N (or WEFT_LOCAL_GATEWAY_PORT)`);
  }, 40_000);
});
