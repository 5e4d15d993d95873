// explain-text: the default (human) rendering of an ExplainReport: request, parent and why
// this table/listener, every candidate in precedence order with ✗ reasons (✓ for the winner), then the
// matched rule's filters, timeouts, retry, a backend table with shares and endpoints, the predicted
// response, status conditions and diagnostics. Takes the report; gives text. Must not: print.
import type { ExplainReport } from "./explain.ts";
import { renderTable } from "./output.ts";

function section(title: string, lines: readonly string[]): string {
  if (lines.length === 0) return "";
  return `${title}\n${lines.map((l) => `  ${l}\n`).join("")}`;
}

export function renderExplainText(r: ExplainReport): string {
  let out = "";
  const headers = Object.entries(r.request.headers).map(([k, v]) => `${k}: ${v}`);
  out += `Request:  ${r.request.method} ${r.request.url}${r.request.grpc ? "  (gRPC)" : ""}\n`;
  for (const h of headers) out += `          ${h}\n`;
  out += `Parent:   ${r.parent}\n`;
  out += section("Why these routes:", r.selection);
  out += section("Routes naming this parent that are NOT attached:", r.notAttached ?? []);
  if (r.listeners !== undefined && r.listeners.length > 0) {
    out += "Listeners on this port (most specific first):\n";
    out += renderTable(["", "LISTENER", "HOSTNAME", "PROTOCOL", "WHY"], r.listeners.map((l) => [l.selected ? "→" : " ", l.name, l.hostname, l.protocol, l.why]), "  ");
  }
  if (r.tablesTried.length > 0) {
    out += `Tables:   ${r.tablesTried.join(" then ")}${r.request.grpc ? "" : " (not a gRPC request: GRPCRoute entries are not tried)"}\n`;
  }
  if (r.candidates.length > 0) {
    out += "Candidates in precedence order:\n";
    for (const c of r.candidates) {
      const name = c.ruleName !== undefined ? ` (${c.ruleName})` : "";
      const hosts = c.hostnames.length > 0 ? `  hostnames [${c.hostnames.join(", ")}]` : "";
      out += `  #${c.rank} ${c.route} rule ${c.rule}${name} match ${c.match}: ${c.conditions}${hosts}\n`;
      if (c.matched) out += "       ✓ matches\n";
      for (const reason of c.reasons) out += `       ✗ ${reason}\n`;
    }
    if (r.notTried > 0) out += `  (${r.notTried} lower-precedence ${r.notTried === 1 ? "entry" : "entries"} not tried)\n`;
  } else if (r.tablesTried.length > 0) {
    out += "Candidates: none (no route entries attached)\n";
  }
  const m = r.matched;
  if (m !== undefined) {
    out += `Matched:  ${m.route} rule ${m.rule}${m.ruleName !== undefined ? ` (${m.ruleName})` : ""} match ${m.match}: ${m.conditions}\n`;
    out += section("Filters:", m.filters.length > 0 ? m.filters : ["none"]);
    if (m.upstreamRequest !== undefined) out += `Upstream: ${m.upstreamRequest}\n`;
    out += `Timeouts: ${m.timeouts}\n`;
    out += `Retry:    ${m.retry}\n`;
    if (m.sessionPersistence !== undefined) out += `Session:  ${m.sessionPersistence}\n`;
  }
  const backends = m?.backends ?? r.passthrough?.backends ?? [];
  if (backends.length > 0) {
    out += "Backends:\n";
    out += renderTable(
      ["WEIGHT", "SHARE", "BACKEND", "PROTOCOL", "ENDPOINTS", "ANSWER"],
      backends.map((b) => [
        String(b.weight),
        `${b.share}%`,
        b.target,
        b.protocol ?? "-",
        b.readyEndpoints === undefined ? "-" : `${b.readyEndpoints}/${b.totalEndpoints ?? 0} ready${b.readyEndpoints > 0 ? `, ${b.transport ?? "-"}` : ""}`,
        b.answer + (b.filters.length > 0 ? ` [filters: ${b.filters.join("; ")}]` : ""),
      ]),
      "  ",
    );
  } else if (m !== undefined) {
    out += "Backends: none\n";
  }
  out += `Response: ${r.response}\n`;
  out += section("Note:", r.notes ?? []);
  for (const s of r.status) out += section(`Status for ${s.parentRef}:`, s.conditions);
  out += section("Diagnostics:", r.diagnostics);
  if (!r.routerAgrees) out += "WARNING: the router chose a different entry than this explanation: please report this as a bug\n";
  return out;
}
