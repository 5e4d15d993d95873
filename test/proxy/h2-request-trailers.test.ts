// h2-request-trailers: an HTTP/2 client's request trailers (trailing HEADERS with END_STREAM) reach the
// upstream through either downstream HTTP/2 face (limits.h2Face "node" and "own", with the same result;
// to an h2c upstream through either HTTP/2 client, limits.h2Client):
// to an HTTP/1.1 upstream in the last chunk of a chunked body (dropped when the client gave a
// Content-Length: the body then goes with it, and cannot carry them), to an h2c upstream as trailing HEADERS.
// Fields that must be read before the content (framing, routing, authentication) or that the proxy sets
// are not passed on as trailers; a content-length among them is held to the body's length, as nghttp2 does.
// An HTTP/1.1 client's chunked trailer section goes on the same way (to both upstreams, through both HTTP/2
// clients), and never into the next pipelined request's head.
// Loopback only.
import { createServer as createH1, type IncomingMessage, type Server as H1Server, type ServerResponse } from "node:http";
import { createServer as createH2, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { H2Face } from "../../pkg/proxy/limits.ts";
import { h2session, raw, sendInPieces } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

/** What the backend saw: the body and the request's trailers (and an x-leak head field, if one came), answered as JSON. */
interface Saw {
  body: string;
  trailers: Record<string, unknown>;
  leak?: unknown;
}

function answerSaw(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c: string) => (body += c));
  req.on("end", () => {
    const saw: Saw = { body, trailers: { ...req.trailers }, ...(req.headers["x-leak"] !== undefined ? { leak: req.headers["x-leak"] } : {}) };
    (res as ServerResponse).writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(saw));
  });
}

let h1Backend: H1Server;
let h2Backend: Http2Server;
const h2Sessions = new Set<ServerHttp2Session>();
const proxies = new Map<string, ProxyUnderTest>();

const portOf = (s: H1Server | Http2Server): number => (s.address() as AddressInfo).port;

beforeAll(async () => {
  h1Backend = createH1(answerSaw);
  h2Backend = createH2(answerSaw);
  h2Backend.on("session", (s) => {
    h2Sessions.add(s);
    s.on("close", () => h2Sessions.delete(s));
  });
  await Promise.all([h1Backend, h2Backend].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
  for (const face of ["node", "own"] as H2Face[]) {
    const ir = meshIR([cluster("ns/h1:80", [endpoint(portOf(h1Backend))]), cluster("ns/h2:80", [endpoint(portOf(h2Backend))], "h2c")]);
    const rules = tables([{ matches: [prefix("/h1")], backends: [backend("ns/h1:80")] }, { matches: [prefix("/h2")], backends: [backend("ns/h2:80")] }]);
    proxies.set(face, await startProxy(ir, rules, { limits: { h2Face: face, h2Client: "node" } }));
    if (face === "own") proxies.set("own-client", await startProxy(ir, rules, { limits: { h2Face: face, h2Client: "own" } }));
  }
});

afterAll(async () => {
  for (const p of proxies.values()) await p.close();
  h1Backend.closeAllConnections();
  for (const s of h2Sessions) s.destroy();
  await Promise.all([h1Backend, h2Backend].map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** POSTs `body` with `trailers` after it through the proxy's face; gives what the backend saw. */
async function send(face: H2Face | "own-client", path: string, body: string, trailers: Record<string, string>, headers: Record<string, string> = {}): Promise<Saw> {
  const session = h2session(proxies.get(face)!.port);
  try {
    return await new Promise<Saw>((resolve, reject) => {
      const st = session.request({ ":method": "POST", ":path": path, ...headers }, { waitForTrailers: true });
      st.on("wantTrailers", () => st.sendTrailers(trailers));
      let status = 0;
      let text = "";
      st.setEncoding("utf8");
      st.on("response", (h) => (status = Number(h[":status"])));
      st.on("data", (c: string) => (text += c));
      st.on("end", () => (status === 200 ? resolve(JSON.parse(text) as Saw) : reject(new Error(`status ${status}: ${text}`))));
      st.on("error", reject);
      const t = setTimeout(() => reject(new Error("no answer")), 5000);
      st.on("close", () => clearTimeout(t));
      st.end(body);
    });
  } finally {
    session.close();
  }
}

const sent = { "x-checksum": "sha256=abc", "x-count": "3", authorization: "Bearer smuggled", "x-forwarded-for": "10.9.9.9", host: "elsewhere" };

describe("request trailers through the downstream HTTP/2 faces", () => {
  for (const face of ["node", "own"] as H2Face[]) {
    it(`${face} face → HTTP/1.1 upstream, chunked body: the trailers come in its last chunk`, { timeout: 15_000 }, async () => {
      const saw = await send(face, "/h1/t", "hello", sent);
      expect(saw.body).toBe("hello");
      expect(saw.trailers).toEqual({ "x-checksum": "sha256=abc", "x-count": "3" });
    });

    it(`${face} face → HTTP/1.1 upstream, body with Content-Length: the body arrives, the trailers cannot`, { timeout: 15_000 }, async () => {
      const saw = await send(face, "/h1/t", "hello", sent, { "content-length": "5" });
      expect(saw.body).toBe("hello");
      expect(saw.trailers).toEqual({});
    });

    it(`${face} face → h2c upstream: the trailers come as trailing HEADERS`, { timeout: 15_000 }, async () => {
      const saw = await send(face, "/h2/t", "hello", sent);
      expect(saw.body).toBe("hello");
      expect(saw.trailers).toEqual({ "x-checksum": "sha256=abc", "x-count": "3" });
    });

    it(`${face} face: a content-length in the trailers that is not the body's ⇒ RST_STREAM PROTOCOL_ERROR, as nghttp2 reads it`, { timeout: 15_000 }, async () => {
      await expect(send(face, "/h2/t", "hello", { "content-length": "99" })).rejects.toMatchObject({ code: "ERR_HTTP2_STREAM_ERROR",
        message: expect.stringContaining("NGHTTP2_PROTOCOL_ERROR") as unknown });
      await expect(send(face, "/h2/t", "hello", { "content-length": "5" }, { "content-length": "5" })).rejects.toMatchObject({ code: "ERR_HTTP2_STREAM_ERROR" });
      // One that gives the body's length (and no head field) is taken, and not passed on.
      expect((await send(face, "/h2/t", "hello", { "content-length": "5", "x-checksum": "c" })).trailers).toEqual({ "x-checksum": "c" });
    });

    it(`${face} face → h2c upstream, a body without trailers ends as before`, { timeout: 15_000 }, async () => {
      const saw = await send(face, "/h2/t", "hello", {});
      expect(saw.body).toBe("hello");
      expect(saw.trailers).toEqual({});
    });
  }

  it('own face → h2c upstream through the own HTTP/2 client (limits.h2Client "own"): trailing HEADERS, or none', { timeout: 15_000 }, async () => {
    const saw = await send("own-client", "/h2/t", "hello", sent);
    expect(saw.body).toBe("hello");
    expect(saw.trailers).toEqual({ "x-checksum": "sha256=abc", "x-count": "3" });
    expect(await send("own-client", "/h2/t", "hello", {})).toEqual({ body: "hello", trailers: {} });
  });
});

/** A chunked HTTP/1.1 request (one chunk of `body`) ending with `trailers`; the JSON answers in the reply. */
function chunkedRequest(path: string, body: string, trailers: Record<string, string>, close = true): string {
  const tr = Object.entries(trailers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `POST ${path} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n${close ? "connection: close\r\n" : ""}\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n${tr}\r\n`;
}
/** Each backend answer (one JSON object from `{"body"` to the first "}" that closes it) in a raw reply. */
function answersIn(reply: string): Saw[] {
  const out: Saw[] = [];
  for (let at = reply.indexOf('{"body"'); at >= 0; at = reply.indexOf('{"body"', at + 1)) {
    for (let end = reply.indexOf("}", at); end >= 0; end = reply.indexOf("}", end + 1)) {
      try {
        out.push(JSON.parse(reply.slice(at, end + 1)) as Saw);
        break;
      } catch { /* not closed yet */ }
    }
  }
  return out;
}

describe("request trailers from an HTTP/1.1 client (chunked trailer section)", () => {
  for (const p of ["own", "own-client"]) {
    for (const path of ["/h1/t", "/h2/t"]) {
      it(`${p === "own" ? "node:http2" : "own"} HTTP/2 client; ${path.startsWith("/h1") ? "HTTP/1.1 upstream: in its last chunk" : "h2c upstream: as trailing HEADERS"}, cleaned`, { timeout: 15_000 },
        async () => {
          const reply = await raw(proxies.get(p)!.port, chunkedRequest(path, "hello", sent), 5000);
          expect(reply.startsWith("HTTP/1.1 200")).toBe(true);
          expect(answersIn(reply)).toEqual([{ body: "hello", trailers: { "x-checksum": "sha256=abc", "x-count": "3" } }]);
        });
    }
  }

  it("a request's trailers never reach the next request's head (a pipelined head split over reads)", { timeout: 15_000 }, async () => {
    const first = chunkedRequest("/h1/t", "hello", { "x-leak": "from-trailers" }, false);
    const second = "GET /h1/t HTTP/1.1\r\nhost: x\r\nx-other: 1\r\nconnection: close\r\n\r\n";
    const bytes = Buffer.from(first + second);
    // The second head arrives in three reads: llhttp hands its first fields on as a partial list.
    const { data } = await sendInPieces(proxies.get("own")!.port, bytes, [first.length + 20, first.length + 30], 5000, 30);
    const answers = answersIn(data.toString("latin1"));
    expect(answers).toEqual([{ body: "hello", trailers: { "x-leak": "from-trailers" } }, { body: "", trailers: {} }]);
  });
});
