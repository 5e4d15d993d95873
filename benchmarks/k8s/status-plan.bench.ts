// status-plan bench: cost of the controller's per-pass status work without the network — planning
// N route statuses against stored objects (the common "unchanged ⇒ no write" case and the
// "one condition changed" case), and freezing a snapshot of N objects (what every emission pays).
// Bounded by count and by 3 s per case. Prints JSON lines. Usage: node benchmarks/k8s/status-plan.bench.ts
import { loadavg } from "node:os";
import type { StatusUpdate } from "../../pkg/api/index.ts";
import { planStatus } from "../../pkg/status/index.ts";
import { freezeSnapshot } from "../../pkg/k8s/snapshot-freeze.ts";

const ME = "weft.dev/gateway-controller";
const NOW = "2026-01-01T00:00:00Z";

function routeUpdate(i: number, reason: string): StatusUpdate {
  return {
    target: { kind: "HTTPRoute", namespace: `ns-${i % 50}`, name: `route-${i}`, generation: 2 },
    parents: [0, 1].map((p) => ({
      parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: `gw-${p}` },
      controllerName: ME,
      conditions: [
        { type: "Accepted", status: "True" as const, reason: "Accepted", message: "Route is accepted" },
        { type: "ResolvedRefs", status: reason === "ResolvedRefs" ? "True" as const : "False" as const, reason, message: "" },
      ],
    })),
  };
}

function stored(i: number): { metadata: { namespace: string; generation: number }; status: Record<string, unknown> } {
  const plan = planStatus({ metadata: { namespace: `ns-${i % 50}`, generation: 2 } }, routeUpdate(i, "ResolvedRefs"), ME, NOW);
  if (!plan.write) throw new Error("expected a first write");
  const other = { parentRef: { name: "elsewhere" }, controllerName: "example.com/other", conditions: [] };
  return { metadata: { namespace: `ns-${i % 50}`, generation: 2 }, status: { parents: [other, ...(plan.status["parents"] as unknown[])] } };
}

function run(name: string, n: number, fn: () => void): void {
  fn();
  const t0 = performance.now();
  let rounds = 0;
  while (rounds < 200 && performance.now() - t0 < 3000) {
    fn();
    rounds++;
  }
  const ms = (performance.now() - t0) / rounds;
  process.stdout.write(
    `${
      JSON.stringify({ bench: "k8s/status-plan", case: name, objects: n, msPerPass: Number(ms.toFixed(3)), usPerObject: Number(((ms * 1000) / n).toFixed(2)), rounds,
        load1: Number(loadavg()[0]!.toFixed(2)) })
    }\n`,
  );
}

for (const n of [1_000, 10_000]) {
  const live = Array.from({ length: n }, (_, i) => stored(i));
  const same = Array.from({ length: n }, (_, i) => routeUpdate(i, "ResolvedRefs"));
  const changed = Array.from({ length: n }, (_, i) => routeUpdate(i, "BackendNotFound"));
  run("plan-unchanged", n, () => {
    for (let i = 0; i < n; i++) if (planStatus(live[i]!, same[i]!, ME, NOW).write) throw new Error("unexpected write");
  });
  run("plan-changed", n, () => {
    for (let i = 0; i < n; i++) if (!planStatus(live[i]!, changed[i]!, ME, NOW).write) throw new Error("expected write");
  });
  run("clone+freeze-snapshot", n, () => {
    const objs = Array.from({ length: n }, (_, i) => structuredClone(live[i]!));
    freezeSnapshot({ httpRoutes: objs });
  });
}
