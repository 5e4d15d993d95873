// controller-restart: a controller restart must not cut the mesh (real processes on loopback: the file
// provider controller with local dev tokens, a gateway and four sidecars, apps in this process).
// 1. With --ca-dir the restarted controller keeps its CA: after it is SIGKILLed and started again, a
//    sidecar that restarts gets a certificate its peers accept, and traffic through it recovers.
// 2. A controller that comes back with another CA (no --ca-dir: a new in-memory CA) heals the mesh
//    without restarting the other proxies: it pushes its roots over the distribution stream, proxies
//    trust old and new roots while they overlap and renew their own certificates under the new CA.
// Every wait is a condition with a deadline.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, httpGet } from "./support/e2e-helpers.ts";
import { meshAddresses, meshPerFile, type Mesh } from "./support/mesh-fixture.ts";

// Below the kernel's ephemeral range (32768+), where a port can be taken by any outgoing connection.
const BASE = 12000 + (process.pid % 40) * 100;
const BLOCK = 1;
const SVC = meshAddresses(BLOCK).svc;
const caHome = mkdtempSync(join(tmpdir(), "weft-e2e-ca-"));
// Registered before the mesh's hooks, so it runs after the mesh stopped (after-hooks run in reverse).
afterAll(() => {
  rmSync(caHome, { recursive: true, force: true });
});
const fixture = meshPerFile(BASE, () => ({ block: BLOCK, controllerFlags: ["--ca-dir", join(caHome, "ca")] }));

/** Answers 200 `times` times in a row (each within the deadline). */
async function recovers(what: string, url: string, ms: number, times = 5): Promise<void> {
  let streak = 0;
  let last = "";
  await eventually(what, ms, async () => {
    const failed = (e: unknown): { status: number; body: string; headers: Record<string, string> } => ({ status: 0, body: String(e), headers: {} });
    const r = await httpGet(url).catch(failed);
    last = `${r.status} ${String(r.headers["x-weft-error"] ?? "")}`;
    streak = r.status === 200 ? streak + 1 : 0;
    return streak >= times ? true : undefined;
  }).catch((e: unknown) => {
    throw new Error(`${String(e)}; last answer: ${last}`);
  });
}

async function restartController(m: Mesh, name: string, args: readonly string[]): Promise<void> {
  const exited = new Promise<void>((r) => (m.controller.exited ? r() : m.controller.proc.once("exit", () => r())));
  m.controller.proc.kill("SIGKILL");
  await exited;
  m.controller = m.sup.start(name, 3, args);
  await eventually("the controller /ready", 30_000, async () => ((await httpGet(`http://127.0.0.1:${m.ports.controllerAdmin}/ready`).catch(() => ({ status: 0 }))).status === 200 ? true : undefined));
}

async function restartProxy(m: Mesh, name: string, generation: number): Promise<void> {
  const old = m.sup.children.find((c) => c.name.startsWith(name) && !c.exited)!;
  const exited = new Promise<void>((r) => old.proc.once("exit", () => r()));
  old.proc.kill("SIGKILL");
  await exited;
  const child = m.sup.start(`${name}#${generation}`, 1, m.proxyArgs.get(name)!);
  await m.sup.waitForLine(child, /workload certificate issued/);
}

describe("a controller restart does not cut the mesh", () => {
  it("keeps its CA with --ca-dir: a sidecar restarted after it is accepted by its peers", async () => {
    const m = fixture.mesh;
    const gw = `http://127.0.0.1:${m.ports.gateway}/h1`;
    await recovers("gateway → h1 before the restart", gw, 20_000);
    const root = readFileSync(join(caHome, "ca", "root.crt"), "utf8");
    await restartController(m, "controller-2", m.controllerArgs);
    await restartProxy(m, "sidecar-h1", 2);
    await recovers("gateway → restarted h1 sidecar", gw, 15_000);
    await recovers("client sidecar → restarted h1 sidecar (east-west)", `http://${SVC.h1}:80/`, 15_000);
    expect(readFileSync(join(caHome, "ca", "root.crt"), "utf8")).toBe(root);
  }, 90_000);

  it("heals a CA change without restarting the other proxies: roots pushed, old and new trusted, certificates renewed", async () => {
    const m = fixture.mesh;
    const at = m.controllerArgs.indexOf("--ca-dir");
    const inMemoryCa = m.controllerArgs.filter((_, i) => i !== at && i !== at + 1);
    await restartController(m, "controller-3", inMemoryCa);
    await restartProxy(m, "sidecar-h1", 3);
    await recovers("gateway → h1 sidecar certified by the new CA", `http://127.0.0.1:${m.ports.gateway}/h1`, 30_000);
    await recovers("client sidecar → h1 sidecar (east-west)", `http://${SVC.h1}:80/`, 30_000);
    await recovers("gateway → h2 sidecar (not restarted, renewed under the new CA)", `http://127.0.0.1:${m.ports.gateway}/h2`, 30_000);
    const gwLog = readFileSync(join(m.work, "logs", "gateway.log"), "utf8");
    expect(gwLog).toContain("mesh trust bundle changed");
    expect(gwLog).toContain("does not anchor our certificate");
  }, 120_000);
});
