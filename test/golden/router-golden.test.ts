// router-golden: the router from IR. Every test/golden/router/<case>.in.yaml holds an IR, the proxy
// that serves it (a Gateway, or a sidecar's client namespace) and requests; the output lists, per
// request, what the compiled router (pkg/router, the code the proxy runs) decides: the rule and match
// entry, or why there is none (no listener for the host, no mesh Service at the destination, no route
// attached, no rule matching). Compared with <case>.out.yaml through test/support/golden.ts.
import type { MeshIR } from "../../pkg/ir/index.ts";
import { compileGateway, compileMesh, lookupMeshDestination, matchRoute, selectListener, type CompiledRoutes, type RequestView } from "../../pkg/router/index.ts";
import { irGoldenSuite, readIrCase } from "./ir-golden-cases.ts";

interface CaseRequest {
  readonly method?: string;
  readonly path: string;
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly grpc?: boolean;
  /** Gateway: the listener port and Host. */
  readonly port?: number;
  readonly host?: string;
  /** Sidecar: the original destination "ip:port". */
  readonly destination?: string;
}

interface RouterCase extends Record<string, unknown> {
  readonly proxy: { readonly gateway?: string; readonly sidecar?: string };
  readonly requests: readonly CaseRequest[];
}

function viewOf(r: CaseRequest): RequestView {
  const headers = new Map(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: r.method ?? (r.grpc === true ? "POST" : "GET"),
    path: r.path,
    query: r.query ?? "",
    host: (r.host ?? "").toLowerCase(),
    header: (n) => headers.get(n),
    grpc: r.grpc === true,
  };
}

function ruleOf(routes: CompiledRoutes, r: CaseRequest): Record<string, unknown> {
  const m = matchRoute(routes, viewOf(r));
  if (m === undefined) return { noRoute: r.grpc === true ? "no rule matches (gRPC UNIMPLEMENTED)" : "no rule matches (404)" };
  return { table: m.table, rule: m.rule.id, matchIndex: m.entry.matchIndex };
}

function decide(ir: MeshIR, c: RouterCase): unknown[] {
  if (c.proxy.gateway !== undefined) {
    const [ns, name] = c.proxy.gateway.split("/");
    const gw = ir.gateways.find((g) => g.namespace === ns && g.name === name);
    if (gw === undefined) return [{ noGateway: `${c.proxy.gateway} is not in the IR` }];
    const compiled = compileGateway(gw);
    return c.requests.map((r) => {
      const request = `${viewOf(r).method} ${r.host ?? ""}:${r.port ?? 0}${r.path}${r.query ? `?${r.query}` : ""}`;
      const sel = selectListener(compiled, r.port ?? 0, r.host ?? "");
      if (sel === undefined) return { request, noRoute: "no listener for this port and host (404)" };
      return { request, listener: sel.listener.id, ...ruleOf(sel.routes, r) };
    });
  }
  const mesh = compileMesh(ir.services, c.proxy.sidecar ?? "");
  return c.requests.map((r) => {
    const request = `${viewOf(r).method} ${r.destination ?? ""}${r.path}${r.query ? `?${r.query}` : ""}`;
    const at = (r.destination ?? "").lastIndexOf(":");
    const dest = lookupMeshDestination(mesh, r.destination!.slice(0, at), Number(r.destination!.slice(at + 1)));
    if (dest === undefined) return { request, passthrough: "not a mesh Service: forwarded to the original destination unchanged" };
    const service = `${dest.service.namespace}/${dest.service.name}:${dest.port.port}`;
    if (dest.routes === undefined) return { request, service, forward: `no route attached: the Service's own cluster ${dest.port.cluster}` };
    return { request, service, ...ruleOf(dest.routes, r) };
  });
}

irGoldenSuite("router", "router golden corpus (IR + requests → rule or no route)", "has cases for both faces and for an IR the validator refuses", 4, (c) => {
  const input = readIrCase<RouterCase>(c, ["proxy", "requests"]);
  return "invalid" in input ? { invalidIr: input.invalid } : { decisions: decide(input.ir, input.rest) };
});
