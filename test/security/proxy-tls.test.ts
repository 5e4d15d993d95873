// proxy-tls: a real `weft proxy --mode gateway` process dials the controller over TLS, verifying the
// controller's certificate against WEFT_TRUST_BUNDLE with the controller address's host name, and
// presents its ServiceAccount token: it gets its Gateway's config. With a foreign bundle it never
// gets config. After a root rotation the bundle of the next Sign response replaces the proxy's
// controller-channel trust. Loopback only; every child is killed in afterAll.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeshCa } from "../../pkg/ca/index.ts";
import { TOKENS, startSecureController, type SecureController } from "./support.ts";

const WEFT = join(import.meta.dirname, "../../cmd/weft.ts");
let ctl: SecureController;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ctl = await startSecureController(["--cert-lifetime", "4s"]);
  writeFileSync(join(ctl.dir, "gw.token"), TOKENS.gateway, { mode: 0o600 });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await ctl.stop();
});

/** Starts a gateway proxy; resolves its admin port from the "proxy started" log line. */
function gatewayProxy(bundle: string): Promise<{ child: ChildProcess; adminPort: number; output: () => string }> {
  const child = spawn(process.execPath, [WEFT, "proxy", "--mode", "gateway", "--gateway", "demo/public", "--controller", `localhost:${ctl.handle.grpcPort}`, "--namespace", "demo", "--service-account",
    "weft-gw-public", "--pod", "gw-0", "--token-path", join(ctl.dir, "gw.token"), "--admin-port", "0", "--bind", "127.0.0.1", "--port-map", "8443=0", "--drain-ms", "200"], {
    env: { ...process.env, WEFT_TRUST_BUNDLE: bundle, WEFT_CONTROLLER_INSECURE: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`proxy did not start: ${out.slice(-2000)}`)), 20_000);
    const onData = (b: Buffer): void => {
      out += b.toString("utf8");
      const m = /"adminPort":(\d+)[^\n]*proxy started/.exec(out);
      if (m !== null) {
        clearTimeout(t);
        resolve({ child, adminPort: Number(m[1]), output: () => out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`proxy exited ${code}: ${out.slice(-2000)}`));
    });
  });
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", () => resolve(0));
  });
}

async function readyWithin(port: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await status(port, "/ready")) === 200) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("weft proxy over TLS", () => {
  it("with the mesh bundle, the gateway proxy gets its config from the controller", async () => {
    const p = await gatewayProxy(ctl.handle.identity!.ca.trustBundle());
    expect(await readyWithin(p.adminPort, 15_000)).toBe(true);
    expect(ctl.handle.snapshot()).toBeDefined();
    expect(p.output()).not.toContain(TOKENS.gateway);
  });

  it("with a foreign bundle, it never gets config", async () => {
    const p = await gatewayProxy(createMeshCa({ trustDomain: "cluster.local" }).trustBundle());
    expect(await readyWithin(p.adminPort, 2_000)).toBe(false);
    expect(p.output()).toMatch(/distribution stream failed/);
  });

  it("after a root rotation, the bundle from the next Sign replaces the controller-channel trust", async () => {
    const p = await gatewayProxy(ctl.handle.identity!.ca.trustBundle());
    expect(await readyWithin(p.adminPort, 15_000)).toBe(true);
    const until = Date.now() + 8_000;
    while (!p.output().includes("workload certificate") && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(p.output()).not.toContain("controller trust bundle replaced");
    ctl.handle.identity!.ca.rotateRoot();
    const deadline = Date.now() + 10_000;
    while (!p.output().includes("controller trust bundle replaced") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(p.output()).toContain("controller trust bundle replaced by the one from the CA");
    expect(await status(p.adminPort, "/ready")).toBe(200);
    expect(p.output()).not.toContain("PRIVATE KEY");
  });
});
