// h2-request-trailers: an HTTP/2 client's request trailers (trailing HEADERS with END_STREAM) reach the
// upstream through either downstream HTTP/2 face (limits.h2Face "node" and "own", with the same result;
// to an h2c upstream through either HTTP/2 client, limits.h2Client):
// to an HTTP/1.1 upstream in the last chunk of a chunked body (dropped when the client gave a
// Content-Length: the body then goes with it, and cannot carry them), to an h2c upstream as trailing HEADERS.
// Fields that must be read before the content (framing, routing, authentication) or that the proxy sets
// are not passed on as trailers; a content-length among them is held to the body's length, as nghttp2 does.
// Loopback only.
import { createServer as createH1, type IncomingMessage, type Server as H1Server, type ServerResponse } from "node:http";
import { createServer as createH2, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { H2Face } from "../../pkg/proxy/limits.ts";
import { h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

/** What the backend saw: the body and the request's trailers, answered as JSON. */
interface Saw {
  body: string;
  trailers: Record<string, unknown>;
}

function answerSaw(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c: string) => (body += c));
  req.on("end", () => {
    const saw: Saw = { body, trailers: { ...req.trailers } };
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
