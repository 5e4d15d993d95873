// trailers-dropped: every path where trailers used to vanish without a trace. Request trailers on a body
// buffered for a retry or mirror (stack/body-buffer.ts) go on as the streamed body's would (an HTTP/1.1
// upstream: in the last chunk; an h2c upstream, through either HTTP/2 client: trailing HEADERS); a gRPC
// request's trailers go on through the node:http2 client too; those a body sent with Content-Length cannot
// carry are counted (weft_proxy_trailers_dropped_total{direction="request",reason="content_length"}). Answer
// trailers: a gRPC answer with a Content-Length goes chunked to an HTTP/1.1 client, its grpc-status in the
// trailer section; an answer's trailers an HTTP/1.0 client or a Content-Length body cannot carry are counted
// (reason "framing"), as are those an HTTP/2 client did not ask for (reason "not_requested"). Loopback only.
import { createServer as createH1, type IncomingMessage, type Server as H1Server, type ServerResponse } from "node:http";
import { createServer as createH2, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { H2Client } from "../../pkg/proxy/limits.ts";
import { ProxyMetrics } from "../../pkg/proxy/metrics.ts";
import { h2session, raw } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

interface Saw {
  body: string;
  trailers: Record<string, unknown>;
}

/** Echo of what came: the body and the request's trailers, as JSON; /answer-* paths answer with trailers instead. */
function backendHandler(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c: string) => (body += c));
  req.on("end", () => {
    const path = req.url ?? "";
    if (path.includes("/answer-grpc") || path.includes("/answer-plain")) {
      // An answer with a Content-Length and trailers (an h2 upstream can send both).
      const grpc = path.includes("/answer-grpc");
      const out = grpc ? Buffer.from([0, 0, 0, 0, 2, 0x7b, 0x7d]) : Buffer.from("plain body");
      const h2res = res as Http2ServerResponse;
      h2res.writeHead(200, { "content-type": grpc ? "application/grpc" : "text/plain", "content-length": String(out.length) });
      h2res.addTrailers(grpc ? { "grpc-status": "7", "grpc-message": "denied" } : { "x-digest": "abc" });
      h2res.end(out);
      return;
    }
    // A long body is told by its length (the answer stays one small JSON).
    const saw: Saw = { body: body.length > 1000 ? `${body.length} bytes` : body, trailers: { ...req.trailers } };
    (res as ServerResponse).writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(saw));
  });
}

let h1Backend: H1Server;
let h2Backend: Http2Server;
const h2Sessions = new Set<ServerHttp2Session>();
const proxies = new Map<H2Client, { proxy: ProxyUnderTest; metrics: ProxyMetrics }>();
const portOf = (s: H1Server | Http2Server): number => (s.address() as AddressInfo).port;

beforeAll(async () => {
  h1Backend = createH1(backendHandler);
  h2Backend = createH2(backendHandler);
  h2Backend.on("session", (s) => {
    h2Sessions.add(s);
    s.on("close", () => h2Sessions.delete(s));
  });
  await Promise.all([h1Backend, h2Backend].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
  const ir = meshIR([cluster("ns/h1:80", [endpoint(portOf(h1Backend))]), cluster("ns/h2:80", [endpoint(portOf(h2Backend))], "h2c")]);
  // A retry stanza makes the proxy buffer bodies (up to 64 KiB) so that it can send them again.
  const retry = { codes: [503], attempts: 1, backoffMs: 1 };
  const rules = tables([
    { matches: [prefix("/retry/h1")], backends: [backend("ns/h1:80")], retry },
    { matches: [prefix("/retry/h2")], backends: [backend("ns/h2:80")], retry },
    { matches: [prefix("/h1")], backends: [backend("ns/h1:80")] },
    { matches: [prefix("/h2")], backends: [backend("ns/h2:80")] },
  ]);
  for (const client of ["own", "node"] as H2Client[]) {
    const metrics = new ProxyMetrics();
    proxies.set(client, { proxy: await startProxy(ir, rules, { metrics, limits: { h2Client: client } }), metrics });
  }
});

afterAll(async () => {
  for (const p of proxies.values()) await p.proxy.close();
  h1Backend.closeAllConnections();
  for (const s of h2Sessions) s.destroy();
  await Promise.all([h1Backend, h2Backend].map((s) => new Promise<void>((r) => s.close(() => r()))));
});

const dropped = (client: H2Client, direction: string, reason: string): number => proxies.get(client)!.metrics.trailers.get({ direction, reason });

/** An HTTP/1.1 chunked POST with a trailer section; gives the answer's body (JSON of what the backend saw). */
async function chunkedPost(client: H2Client, path: string, data = "hello"): Promise<Saw> {
  const text = await raw(proxies.get(client)!.proxy.port,
    `POST ${path} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n${data.length.toString(16)}\r\n${data}\r\n0\r\nx-checksum: sha256=abc\r\n\r\n`);
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  // The answer is chunked or has a length; the JSON is the one {...} in it.
  return JSON.parse(body.slice(body.indexOf("{"), body.lastIndexOf("}") + 1)) as Saw;
}

/** An HTTP/2 POST with trailers; gives the status, body and the answer's trailers. */
async function h2Post(client: H2Client, path: string, headers: Record<string, string>, trailers: Record<string, string>): Promise<{ status: number; body: string; trailers: Record<string, unknown> }> {
  const session = h2session(proxies.get(client)!.proxy.port);
  try {
    return await new Promise((resolve, reject) => {
      const st = session.request({ ":method": "POST", ":path": path, ...headers }, { waitForTrailers: true });
      st.on("wantTrailers", () => st.sendTrailers(trailers));
      let status = 0;
      let text = "";
      let got: Record<string, unknown> = {};
      st.setEncoding("latin1");
      st.on("response", (h) => (status = Number(h[":status"])));
      st.on("trailers", (t) => (got = { ...t }));
      st.on("data", (c: string) => (text += c));
      st.on("end", () => resolve({ status, body: text, trailers: got }));
      st.on("error", reject);
      const t = setTimeout(() => reject(new Error("no answer")), 5000);
      st.on("close", () => clearTimeout(t));
      st.end("hello");
    });
  } finally {
    session.close();
  }
}

describe("request trailers on a body buffered for a retry", () => {
  for (const client of ["own", "node"] as H2Client[]) {
    it(`${client} HTTP/2 client: HTTP/1.1 client's chunked trailers → h2c upstream as trailing HEADERS`, { timeout: 15_000 }, async () => {
      const saw = await chunkedPost(client, "/retry/h2/t");
      expect(saw).toEqual({ body: "hello", trailers: { "x-checksum": "sha256=abc" } });
    });
  }

  it("a body past the replay buffer (64 KiB: streamed on after what was read) keeps its trailers too", { timeout: 15_000 }, async () => {
    const big = "b".repeat(70_000);
    expect(await chunkedPost("own", "/retry/h2/t", big)).toEqual({ body: "70000 bytes", trailers: { "x-checksum": "sha256=abc" } });
    expect(await chunkedPost("own", "/retry/h1/t", big)).toEqual({ body: "70000 bytes", trailers: { "x-checksum": "sha256=abc" } });
  });

  it("→ HTTP/1.1 upstream: in the last chunk (the buffered body goes chunked, as it came)", { timeout: 15_000 }, async () => {
    const saw = await chunkedPost("own", "/retry/h1/t");
    expect(saw).toEqual({ body: "hello", trailers: { "x-checksum": "sha256=abc" } });
  });

  it("HTTP/2 client with a Content-Length → HTTP/1.1 upstream: body arrives, trailers cannot, and are counted", { timeout: 15_000 }, async () => {
    const before = dropped("own", "request", "content_length");
    const buffered = await h2Post("own", "/retry/h1/t", { "content-length": "5" }, { "x-checksum": "sha256=abc" });
    expect(JSON.parse(buffered.body)).toEqual({ body: "hello", trailers: {} });
    const streamed = await h2Post("own", "/h1/t", { "content-length": "5" }, { "x-checksum": "sha256=abc" });
    expect(JSON.parse(streamed.body)).toEqual({ body: "hello", trailers: {} });
    expect(dropped("own", "request", "content_length")).toBe(before + 2);
    expect(proxies.get("own")!.metrics.render()).toContain('weft_proxy_trailers_dropped_total{direction="request",reason="content_length"}');
  });
});

describe("gRPC request trailers through the node:http2 client", () => {
  it("reach the h2c upstream as trailing HEADERS (they were not waited for)", { timeout: 15_000 }, async () => {
    const r = await h2Post("node", "/h2/t", { "content-type": "application/grpc" }, { "x-checksum": "sha256=abc" });
    expect(JSON.parse(r.body)).toEqual({ body: "hello", trailers: { "x-checksum": "sha256=abc" } });
  });
});

describe("answer trailers the client's framing cannot carry", () => {
  for (const client of ["own", "node"] as H2Client[]) {
    it(`${client} HTTP/2 client: a gRPC answer with a Content-Length goes chunked to an HTTP/1.1 client, grpc-status in its trailers`, { timeout: 15_000 }, async () => {
      const text = await raw(proxies.get(client)!.proxy.port, "POST /h2/answer-grpc HTTP/1.1\r\nhost: x\r\ncontent-type: application/grpc\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      const head = text.slice(0, text.indexOf("\r\n\r\n")).toLowerCase();
      expect(head).toContain("transfer-encoding: chunked");
      expect(head).not.toContain("content-length");
      expect(text).toContain("\r\n0\r\ngrpc-status: 7\r\ngrpc-message: denied\r\n\r\n");
    });
  }

  it("an HTTP/1.1 client, answer with a Content-Length and trailers: the trailers are counted as dropped (framing)", { timeout: 15_000 }, async () => {
    const before = dropped("own", "response", "framing");
    const text = await raw(proxies.get("own")!.proxy.port, "GET /h2/answer-plain HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    expect(text).toContain("content-length: 10");
    expect(text.endsWith("plain body")).toBe(true);
    expect(dropped("own", "response", "framing")).toBe(before + 1);
  });

  it("an HTTP/1.0 client, gRPC answer: no chunked framing, grpc-status cannot go — counted (framing)", { timeout: 15_000 }, async () => {
    const before = dropped("own", "response", "framing");
    await raw(proxies.get("own")!.proxy.port, "POST /h2/answer-grpc HTTP/1.0\r\nhost: x\r\ncontent-type: application/grpc\r\ncontent-length: 0\r\n\r\n");
    expect(dropped("own", "response", "framing")).toBe(before + 1);
  });

  it("an HTTP/2 client that did not send TE: trailers, a plain answer with trailers: counted (not_requested); with TE: trailers they go", { timeout: 15_000 }, async () => {
    const before = dropped("own", "response", "not_requested");
    const without = await h2Post("own", "/h2/answer-plain", {}, {});
    expect(without.body).toBe("plain body");
    expect(without.trailers).toEqual({});
    expect(dropped("own", "response", "not_requested")).toBe(before + 1);
    const asked = await h2Post("own", "/h2/answer-plain", { te: "trailers" }, {});
    expect(asked.trailers["x-digest"]).toBe("abc");
    expect(dropped("own", "response", "not_requested")).toBe(before + 1);
  });
});
