// proxy-config: reads a live proxy's admin `/config` (pkg/proxy admin-server: version + IR,
// keys already redacted) and renders it: tables of listeners (gateway ports/listeners, mesh Service
// ports), route entries per parent in precedence order, clusters with ready endpoint counts, the
// version; or the raw section as YAML/JSON. The IR goes through pkg/ir's validator like every other
// door: a proxy answering something else is an error. Takes the admin base URL; gives text.
// Must not: follow redirects, accept bodies over 32 MiB, wait more than the timeout, or print key
// material (keyPem is redacted again here whatever the proxy sent).
import { validateIr, type ClusterIR, type MeshIR, type RouteTablesIR } from "../ir/index.ts";
import { describeMatch } from "./describe.ts";
import { renderMachine, renderTable } from "./output.ts";

export const SECTIONS = ["routes", "clusters", "listeners", "version"] as const;
export type Section = (typeof SECTIONS)[number];
const MAX_BODY = 32 * 1024 * 1024;

export interface ProxyConfig {
  readonly version: string | null;
  readonly ir: MeshIR | null;
}

/** GET <admin>/config; throws an Error with a one-line reason on any failure. */
export async function fetchProxyConfig(admin: string, timeoutMs = 5_000): Promise<ProxyConfig> {
  let url: URL;
  try {
    url = new URL("/config", admin);
  } catch {
    throw new Error(`--admin must be a URL like http://127.0.0.1:15020, got ${JSON.stringify(admin.slice(0, 100))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("--admin must be an http(s) URL");
  let res: Response;
  try {
    res = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : e instanceof Error ? `: ${e.message}` : "";
    throw new Error(`cannot reach the proxy admin at ${url.origin}${cause}`, { cause: e });
  }
  if (res.status !== 200) throw new Error(`${url.href} answered HTTP ${res.status}`);
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > MAX_BODY) throw new Error(`config is ${length} bytes, more than ${MAX_BODY}`);
  const text = await res.text();
  if (text.length > MAX_BODY) throw new Error(`config is larger than ${MAX_BODY} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url.href} did not answer JSON: is this a Weft proxy admin port?`);
  }
  const b = body as { version?: unknown; ir?: unknown };
  if (typeof b !== "object" || b === null || !("ir" in b)) throw new Error(`${url.href} did not answer a Weft config ({version, ir})`);
  let ir: MeshIR | null = null;
  if (b.ir !== null) {
    const checked = validateIr(b.ir);
    if (!checked.ok) throw new Error(`${url.href} answered a config that is not valid IR: ${checked.reason} (${checked.problem.code})`);
    ir = checked.ir;
  }
  const redacted = ir === null ? null : { ...ir, secrets: ir.secrets.map((s) => ({ id: s.id, certPem: s.certPem, keyPem: "[redacted]" })) };
  return { version: typeof b.version === "string" ? b.version : null, ir: redacted };
}

interface ParentTables {
  readonly parent: string;
  readonly tables: RouteTablesIR;
}

export function routeParents(ir: MeshIR): ParentTables[] {
  const out: ParentTables[] = [];
  for (const g of ir.gateways ?? []) {
    for (const p of g.ports ?? []) for (const l of p.listeners ?? []) out.push({ parent: `gateway ${l.id}:${p.port}`, tables: l.routes });
  }
  for (const s of ir.services ?? []) {
    for (const p of s.ports ?? []) {
      if (p.producer !== undefined) out.push({ parent: `service ${s.namespace}/${s.name}:${p.port} producer`, tables: p.producer });
      for (const ns of Object.keys(p.consumers ?? {}).sort()) {
        const t = p.consumers[ns];
        if (t !== undefined) out.push({ parent: `service ${s.namespace}/${s.name}:${p.port} consumer ${ns}`, tables: t });
      }
    }
  }
  return out;
}

function routesTable(ir: MeshIR): string {
  const rows: string[][] = [];
  for (const { parent, tables } of routeParents(ir)) {
    for (const kind of ["grpc", "http"] as const) {
      const t = tables[kind];
      t.entries.forEach((e, i) => {
        const rule = t.rules[e.rule];
        const backends = (rule?.backends ?? []).map((b) => (b.kind === "cluster" ? `${b.cluster}×${b.weight}` : `invalid(${b.reason})×${b.weight}`)).join(" ");
        rows.push([parent, kind === "grpc" ? "GRPCRoute" : "HTTPRoute", String(i + 1),
          rule === undefined ? "(malformed)" : `${rule.route.namespace}/${rule.route.name}#${rule.ruleIndex}.${e.matchIndex}`, e.hostnames.length === 0 ? "*" : e.hostnames.join(","),
          describeMatch(e.match), backends === "" ? "-" : backends]);
      });
    }
  }
  if (rows.length === 0) return "no route entries\n";
  return renderTable(["PARENT", "KIND", "#", "ROUTE#RULE.MATCH", "HOSTNAMES", "MATCH", "BACKENDS"], rows);
}

function clustersTable(clusters: readonly ClusterIR[]): string {
  if (clusters.length === 0) return "no clusters\n";
  return renderTable(["CLUSTER", "PROTOCOL", "ENDPOINTS", "READY", "ADDRESSES"], clusters.map((c) => {
    const ready = c.endpoints.filter((e) => e.ready);
    const shown = ready.slice(0, 4).map((e) => (e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`)).join(",");
    return [c.id, c.protocol, String(c.endpoints.length), String(ready.length), ready.length > 4 ? `${shown},…` : shown || "-"];
  }));
}

function listenersTable(ir: MeshIR): string {
  let out = "";
  const gw = (ir.gateways ?? []).flatMap((g) =>
    g.ports.flatMap((p) =>
      p.listeners.map((l) => [
        `${g.namespace}/${g.name}`,
        String(p.port),
        l.protocol,
        l.name,
        l.hostname ?? "*",
        String(l.routes.http.entries.length + l.routes.grpc.entries.length),
        l.certificates.join(",") || "-",
      ])
    )
  );
  if (gw.length > 0) out += renderTable(["GATEWAY", "PORT", "PROTOCOL", "LISTENER", "HOSTNAME", "ENTRIES", "CERTIFICATES"], gw);
  const mesh = (ir.services ?? []).flatMap((s) =>
    s.ports.map((p) => [
      `${s.namespace}/${s.name}`,
      s.clusterIPs.join(",") || "-",
      String(p.port),
      p.appProtocol ?? p.name ?? "-",
      p.producer === undefined ? "-" : String(p.producer.http.entries.length + p.producer.grpc.entries.length),
      Object.keys(p.consumers ?? {}).sort().join(",") || "-",
      p.cluster,
    ])
  );
  if (mesh.length > 0) out += `${out === "" ? "" : "\n"}${renderTable(["SERVICE", "CLUSTER-IPS", "PORT", "PROTOCOL", "PRODUCER-ENTRIES", "CONSUMER-NAMESPACES", "DEFAULT-CLUSTER"], mesh)}`;
  return out === "" ? "no listeners\n" : out;
}

function sectionData(cfg: ProxyConfig, section: Section | undefined): unknown {
  const ir = cfg.ir;
  if (section === undefined) return cfg;
  if (section === "version") return { version: cfg.version };
  if (ir === null) return null;
  if (section === "clusters") return ir.clusters;
  if (section === "routes") return routeParents(ir);
  return {
    gateways: ir.gateways.map((g) => ({ ...g, ports: g.ports.map((p) => ({ ...p, listeners: p.listeners.map(({ routes: _r, ...l }) => l) })) })),
    services: ir.services.map((s) => ({ ...s, ports: s.ports.map(({ producer: _p, consumers, ...p }) => ({ ...p, consumerNamespaces: Object.keys(consumers ?? {}).sort() })) })),
  };
}

export function renderProxyConfig(cfg: ProxyConfig, section: Section | undefined, format: "table" | "yaml" | "json"): string {
  if (format !== "table") return renderMachine(sectionData(cfg, section), format);
  if (section === "version") return `${cfg.version ?? "(no config yet)"}\n`;
  if (cfg.ir === null) return "the proxy has no configuration in force yet\n";
  if (section === "clusters") return clustersTable(cfg.ir.clusters);
  if (section === "listeners") return listenersTable(cfg.ir);
  if (section === "routes") return routesTable(cfg.ir);
  return `VERSION ${cfg.version ?? "-"}\n\nROUTES\n${routesTable(cfg.ir)}\nCLUSTERS\n${clustersTable(cfg.ir.clusters)}`;
}
