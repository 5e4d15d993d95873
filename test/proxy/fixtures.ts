// fixtures: small IR builders and loopback servers for the proxy tests. Every server listens on
// 127.0.0.1 with an ephemeral port and is closed by the returned close().
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { createServer as createH1, type IncomingMessage, type Server as H1Server, type ServerResponse } from "node:http";
import { createServer as createH2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type {
  BackendIR,
  ClusterIR,
  EndpointIR,
  FilterIR,
  GrpcMatchIR,
  HttpMatchIR,
  MeshIR,
  RouteEntryIR,
  RouteTablesIR,
  RuleIR,
  TimeoutsIR,
  RetryIR,
  UpstreamProtocol,
} from "../../pkg/ir/types.ts";
import { compileRoutes } from "../../pkg/proxy/router-bridge.ts";
import { createHttpEngine, type HttpEngineOptions, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import type { RouteContext } from "../../pkg/proxy/engine-types.ts";

// ---- IR builders -------------------------------------------------------------------------------
export function endpoint(port: number, extra: Partial<EndpointIR> = {}): EndpointIR {
  return { address: "127.0.0.1", port, ready: true, serving: true, terminating: false, ...extra };
}

export function cluster(id: string, endpoints: EndpointIR[], protocol: UpstreamProtocol = "http1"): ClusterIR {
  return { id, namespace: "default", service: id.split("/").pop()?.split(":")[0] ?? id, port: 80, protocol, endpoints };
}

export function backend(clusterId: string, weight = 1, filters: FilterIR[] = []): BackendIR {
  return { kind: "cluster", cluster: clusterId, weight, filters };
}

export function invalidBackend(weight = 1): BackendIR {
  return { kind: "invalid", weight, status: 500, reason: "BackendNotFound", message: "service missing" };
}

export function prefix(value: string, extra: Partial<HttpMatchIR> = {}): HttpMatchIR {
  return { kind: "http", path: { type: "PathPrefix", value }, headers: [], queryParams: [], ...extra };
}

export function exact(value: string): HttpMatchIR {
  return { kind: "http", path: { type: "Exact", value }, headers: [], queryParams: [] };
}

export function grpcMethod(service: string, method?: string): GrpcMatchIR {
  return { kind: "grpc", method: method === undefined ? { type: "Exact", service } : { type: "Exact", service, method }, headers: [] };
}

export interface RuleSpec {
  matches: (HttpMatchIR | GrpcMatchIR)[];
  backends?: BackendIR[];
  filters?: FilterIR[];
  timeouts?: TimeoutsIR;
  retry?: RetryIR;
  hostnames?: string[];
}

/** Route tables from rules in precedence order (the order given). */
export function tables(rules: RuleSpec[]): RouteTablesIR {
  const mk = (kind: "http" | "grpc") => {
    const rs: RuleIR[] = [];
    const entries: RouteEntryIR[] = [];
    rules.forEach((r, i) => {
      const ms = r.matches.filter((m) => m.kind === kind);
      if (ms.length === 0) return;
      const ruleIndex = rs.length;
      const routeKind = kind === "http" ? "HTTPRoute" : "GRPCRoute";
      const rule: RuleIR = {
        id: `${routeKind}/default/r${i}/0`,
        route: { kind: routeKind, namespace: "default", name: `r${i}`, generation: 1 },
        ruleIndex: 0,
        filters: r.filters ?? [],
        backends: r.backends ?? [],
        timeouts: r.timeouts ?? {},
        ...(r.retry !== undefined ? { retry: r.retry } : {}),
      };
      rs.push(rule);
      ms.forEach((m, mi) => entries.push({ hostnames: r.hostnames ?? [], match: m, rule: ruleIndex, matchIndex: mi }));
    });
    return { kind, entries, rules: rs };
  };
  return { http: mk("http"), grpc: mk("grpc") };
}

export function meshIR(clusters: ClusterIR[]): MeshIR {
  return { gateways: [], services: [], clusters, secrets: [] };
}

// ---- loopback servers ------------------------------------------------------------------------
export interface Seen {
  server: string;
  method: string;
  url: string;
  headers: Record<string, unknown>;
  body: string;
}

export interface Echo {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

type Behaviour = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, body: string, n: number) => boolean | void;

/** The echo answer: records the request in `seen` and answers JSON describing it, unless `behave` takes over (returns true). */
function echoHandler(name: string, seen: Seen[], behave: Behaviour | undefined) {
  return (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const s: Seen = { server: name, method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers }, body };
      seen.push(s);
      if (behave?.(req, res, body, seen.length) === true) return;
      const out = JSON.stringify(s);
      (res as ServerResponse).writeHead(200, { "content-type": "application/json", "x-server": name });
      res.end(out);
    });
  };
}

/** Listens on 127.0.0.1 (ephemeral port); close() cuts what `dropConnections` cuts, then closes the server. */
async function listenLoopback(server: NetServer, dropConnections: () => void): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((r) => {
        dropConnections();
        server.close(() => r());
      }),
  };
}

/** An echo server: answers JSON describing the request; `behave` may take over the answer (return true). */
export async function startEcho(name: string, behave?: Behaviour): Promise<Echo> {
  const seen: Seen[] = [];
  const server: H1Server = createH1(echoHandler(name, seen, behave));
  server.keepAliveTimeout = 5000;
  return { ...(await listenLoopback(server, () => server.closeAllConnections())), seen };
}

export async function startH2Echo(name: string, behave?: Behaviour): Promise<Echo> {
  const seen: Seen[] = [];
  const server: Http2Server = createH2Server(echoHandler(name, seen, behave));
  const sessions = new Set<import("node:http2").ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const listening = await listenLoopback(server, () => {
    for (const s of sessions) s.destroy();
  });
  return { ...listening, seen };
}

/** One request as a logging backend saw it: logged at its head, `complete` once its body ended. */
export interface LoggedRequest {
  id: string;
  url: string;
  complete: boolean;
  aborted: boolean;
}

export interface LoggingBackend {
  port: number;
  logged: LoggedRequest[];
  /** Requests open at the backend now, and the most at once since `resetMax()`. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  resetMax(): void;
  close(): Promise<void>;
}

/**
 * A backend that logs every request at its head (before any body, so a request whose body never ends is
 * logged too) by its `x-id`, and answers `id=<x-id>;` once the body ended; `/slow/<ms>` answers later;
 * `…/early…` sends its head and part of its answer before the body ended.
 */
export async function startLoggingBackend(): Promise<LoggingBackend> {
  const logged: LoggedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createH1((req, res) => {
    const entry: LoggedRequest = { id: String(req.headers["x-id"] ?? ""), url: req.url ?? "", complete: false, aborted: false };
    logged.push(entry);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    req.on("aborted", () => {
      entry.aborted = true;
    });
    req.on("close", () => {
      inFlight--;
    });
    req.resume();
    // …/early…: the head and a first part of the answer go out before the request body has ended.
    const early = entry.url.includes("/early");
    if (early) {
      res.writeHead(200, { "content-length": "11" });
      res.write("early");
    }
    req.on("end", () => {
      entry.complete = true;
      if (early) {
        res.end("-late;");
        return;
      }
      const text = `id=${entry.id};`;
      const answer = () => {
        res.writeHead(200, { "content-length": String(Buffer.byteLength(text)) });
        res.end(text);
      };
      const slow = /^\/slow\/(\d+)/.exec(entry.url);
      if (slow !== null) setTimeout(answer, Number(slow[1]));
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  const listening = await listenLoopback(server, () => server.closeAllConnections());
  return {
    port: listening.port,
    logged,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    resetMax: () => {
      maxInFlight = inFlight;
    },
    close: () => listening.close(),
  };
}

/** A loopback port nothing listens on (it was just bound and closed): connections to it are refused. */
export async function refusingPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Waits (bounded by `ms`) until `cond` holds; callers then assert on the state, never on the time. */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

// ---- a proxy on loopback ---------------------------------------------------------------------
export interface ProxyUnderTest {
  port: number;
  /** The listening server: its "connection" event gives the proxy's side of each accepted socket. */
  server: NetServer;
  routes: import("../../pkg/router/index.ts").CompiledRoutes | undefined;
  engine: WeftHttpEngine;
  close(): Promise<void>;
}

export async function startProxy(
  ir: MeshIR,
  rules: RouteTablesIR | undefined,
  opts: HttpEngineOptions & { ctx?: Partial<RouteContext> } = {},
): Promise<ProxyUnderTest> {
  const engine = createHttpEngine(opts);
  engine.setState(engineStateOf(ir, "v1"));
  const routes = rules === undefined ? undefined : compileRoutes(rules);
  let port = 0;
  const server: NetServer = createNetServer((socket) => {
    engine.serveConnection(socket, { face: "gateway", routes, destinationPort: port, scheme: "http", label: "test", ...opts.ctx });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    engine,
    routes,
    server,
    close: async () => {
      server.close();
      await engine.drain(100);
    },
  };
}

export { seededRandom as seeded } from "../support/seeded-random.ts";
