// translate-coverage: what a generated snapshot exercised in translate, for the guard that fails when
// too few generated cases are meaningful (test/translate-props). Takes a snapshot and its
// translation; gives flags: route entries at all, gateway and mesh tables, a route accepted by two
// or more parents, two routes competing in one table, a listener conflict, several reference problems.
// Must not: judge correctness (the properties do that); it only counts.
import type { ResourceSnapshot } from "../../pkg/api/index.ts";
import type { MeshIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import type { TranslateResult } from "../../pkg/translate/index.ts";

export interface Coverage {
  readonly entries: number;
  readonly gatewayEntries: boolean;
  readonly meshEntries: boolean;
  readonly multiParent: boolean;
  readonly competing: boolean;
  readonly listenerConflict: boolean;
  readonly severalRefProblems: boolean;
}

function tables(ir: MeshIR): { mesh: boolean; t: RouteTablesIR }[] {
  const out: { mesh: boolean; t: RouteTablesIR }[] = [];
  for (const g of ir.gateways) for (const p of g.ports) for (const l of p.listeners) out.push({ mesh: false, t: l.routes });
  for (const s of ir.services)
    for (const p of s.ports) {
      if (p.producer !== undefined) out.push({ mesh: true, t: p.producer });
      for (const t of Object.values(p.consumers)) out.push({ mesh: true, t });
    }
  return out;
}

export function coverageOf(_s: ResourceSnapshot, r: TranslateResult): Coverage {
  let entries = 0;
  let gatewayEntries = false;
  let meshEntries = false;
  let competing = false;
  for (const { mesh, t } of tables(r.ir)) {
    for (const table of [t.http, t.grpc]) {
      const n = table.entries.length;
      entries += n;
      if (n > 0 && mesh) meshEntries = true;
      if (n > 0 && !mesh) gatewayEntries = true;
      const routes = new Set(table.rules.map((rule) => `${rule.route.kind}/${rule.route.namespace}/${rule.route.name}`));
      if (routes.size >= 2) competing = true;
    }
  }
  let multiParent = false;
  let listenerConflict = false;
  let severalRefProblems = false;
  for (const st of r.statuses) {
    if ("parents" in st) {
      const accepted = st.parents.filter((p) => p.conditions.some((c) => c.type === "Accepted" && c.status === "True"));
      if (accepted.length >= 2) multiParent = true;
      for (const p of st.parents) {
        const rr = p.conditions.find((c) => c.type === "ResolvedRefs");
        if (rr?.status === "False" && rr.message.includes("; backendRef")) severalRefProblems = true;
      }
    }
    if ("listeners" in st) { for (const l of st.listeners) if (l.conditions.some((c) => c.type === "Conflicted" && c.status === "True")) listenerConflict = true; }
  }
  return { entries, gatewayEntries, meshEntries, multiParent, competing, listenerConflict, severalRefProblems };
}
