// banner: the text `weft local` prints once everything is ready: what runs where, and the
// commands to try. Each command is one line starting with "  $ " under a "  # <kind>:" line, so
// tests can find and run them (test/e2e/local-mode.test.ts does).
// Takes the plan and the trace sink description; gives the text. Must not: print tokens or paths to them.
import { relative } from "node:path";
import type { LocalPlan } from "./plan.ts";

export interface BannerCommand {
  readonly kind: "header-match" | "weighted-split" | "redirect" | "east-west" | "grpc" | "explain" | "translate";
  readonly command: string;
}

export function bannerCommands(plan: LocalPlan, cwd: string): BannerCommand[] {
  const gw = plan.gateways[0];
  const listenerPort = gw === undefined ? 8080 : [...gw.portMap.keys()][0] ?? 8080;
  const port = gw?.portMap.get(listenerPort) ?? 8080;
  const base = `http://127.0.0.1:${port}`;
  const dir = relative(cwd, plan.dir) || ".";
  const reviews = plan.services.find((s) => s.name === "reviews") ?? plan.services[0];
  // The real listener: a privileged Service port is served on port + 10000 for a normal user.
  const gwName = gw === undefined ? "demo/public" : `${gw.namespace}/${gw.name}`;
  const call = relative(cwd, new URL("../../examples/apps/grpc-call.ts", import.meta.url).pathname);
  const out: BannerCommand[] = [
    { kind: "header-match", command: `curl -s -H 'x-version: v2' ${base}/reviews` },
    { kind: "weighted-split", command: `for i in $(seq 20); do curl -s ${base}/reviews | grep -o '"version": "v[0-9]*"'; done | sort | uniq -c` },
    { kind: "redirect", command: `curl -si ${base}/old/page` },
  ];
  if (reviews !== undefined) out.push({ kind: "east-west", command: `curl -s -H 'end-user: jason' http://${reviews.clusterIp}:${reviews.bindPort}/` });
  out.push(
    { kind: "grpc", command: `node ${call} --target 127.0.0.1:${port} --authority grpc.demo.local --message hello` },
    { kind: "explain", command: `npx weftctl explain -f ${dir} --gateway ${gwName} GET http://127.0.0.1:${listenerPort}/reviews -H 'x-version: v2'` },
    { kind: "translate", command: `npx weftctl translate -f ${dir}` },
  );
  return out;
}

const TITLES: Readonly<Record<BannerCommand["kind"], string>> = {
  "header-match": "header match: x-version v2 goes to reviews v2",
  "weighted-split": "weighted split: about 80% v1, 20% v2",
  redirect: "redirect: 301 with Location /new/page",
  "east-west": "east-west (GAMMA producer route on reviews) via the demo namespace's outbound sidecar: jason gets v2",
  grpc: "gRPC through the gateway (GRPCRoute on listener grpc.demo.local)",
  explain: "why a request goes where it goes",
  translate: "the IR and statuses the controller computes",
};

export function renderBanner(plan: LocalPlan, traces: string, logDir: string, cwd: string): string {
  const lines: string[] = ["", "Weft local mode is ready.", ""];
  lines.push(`  controller   gRPC 127.0.0.1:${plan.controllerGrpcPort}, admin http://127.0.0.1:${plan.controllerAdminPort}/ready  (manifests: ${relative(cwd, plan.dir) || "."}, live-reloaded)`);
  for (const g of plan.gateways) {
    lines.push(`  gateway      ${g.namespace}/${g.name}: ${[...g.portMap].map(([l, p]) => `listener ${l} on 127.0.0.1:${p}`).join(", ")}; admin :${g.adminPort}`);
  }
  for (const a of plan.apps) {
    const out = a.outbound.length > 0 ? `; outbound ${a.outbound.map((o) => (o.bindPort === o.port ? `${o.host}:${o.port}` : `${o.host}:${o.bindPort} (for :${o.port})`)).join(" ")}` : "";
    lines.push(
      `  pod          ${a.namespace}/${a.pod} (${a.app === "yours" ? "your app" : a.app}, sa ${a.serviceAccount}): app 127.0.0.1:${a.appPort}, sidecar inbound ${
        a.inboundPorts.map((p) => `${a.podIp}:${p}`).join(" ")
      } (mTLS)${out}; admin :${a.adminPort}`,
    );
  }
  if (plan.apps.some((a) => a.outbound.some((o) => o.bindPort !== o.port))) {
    lines.push("  (ports below 1024 need root here: each such Service port listens on port + 10000, and is still routed as the Service port)");
  }
  lines.push(`  ${traces}`, `  logs         ${logDir}`, "", "Try (with node 24 first on PATH: export PATH=$PWD/node_modules/.bin:$PATH):", "");
  for (const c of bannerCommands(plan, cwd)) lines.push(`  # ${c.kind}: ${TITLES[c.kind]}`, `  $ ${c.command}`, "");
  lines.push("Edit a manifest and the change reaches every proxy. Ctrl-C stops everything.", "");
  return lines.join("\n");
}
