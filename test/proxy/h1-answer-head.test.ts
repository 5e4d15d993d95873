// h1-answer-head: an HTTP/1.1 answer's head on its way to an HTTP/1.1 client, with no filter to change it
// (its fields pass on as received): hop-by-hop fields and the ones its Connection names never reach the
// client, a field that may appear once goes out once (the first, Content-Length included, so the framing
// the client reads is the one the proxy used), other fields go out with their values as sent; a value with
// a control character, or a name that is not a token, is refused (503 upstream_reset) and never forwarded.
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

/** The answer head the upstream sends for each path (body "hello"). */
const answers: Record<string, string> = {
  "/hop": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive, X-Hop-Secret\r\nKeep-Alive: timeout=5\r\nX-Hop-Secret: s3\r\n"
    + "Proxy-Authenticate: Basic\r\nTrailer: x-t\r\nUpgrade: h2c\r\nX-Weft-Connection-Error: refused\r\nTE: trailers\r\nX-Kept: a b\tc\r\nVary: origin\r\nVary: accept\r\n"
    + "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello",
  "/once": "HTTP/1.1 200 OK\r\nContent-Type: text/a\r\nContent-Length: 5\r\nContent-Type: text/b\r\nLocation: /first\r\nLocation: /second\r\n\r\nhello",
  "/ctl": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Bad: a\x01b\r\n\r\nhello",
  "/name": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX Bad: a\r\n\r\nhello",
};

let upstream: Server;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  upstream = createServer((s: Socket) => {
    let got = "";
    s.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      const end = got.indexOf("\r\n\r\n");
      if (end === -1) return;
      const path = got.split(" ")[1] ?? "";
      got = got.slice(end + 4);
      s.write(answers[path] ?? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "latin1");
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as { port: number }).port;
  proxy = await startProxy(meshIR([cluster("ns/raw:80", [endpoint(port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/raw:80")] }]));
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** The client's view of one answer: its status line and field lines (lower-cased names), and its body. */
async function get(path: string): Promise<{ status: string; fields: string[]; body: string }> {
  const r = await rawUntilClose(proxy.port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
  const [head = "", body = ""] = r.data.split("\r\n\r\n");
  const [status = "", ...fields] = head.split("\r\n");
  return { status, fields: fields.map((f) => f.replace(/^[^:]+/, (n) => n.toLowerCase())), body };
}

describe("an HTTP/1.1 answer's head passed on as received", () => {
  it("drops hop-by-hop fields and those Connection names, keeps the rest as sent", async () => {
    const r = await get("/hop");
    expect(r.status).toBe("HTTP/1.1 200 OK");
    const names = r.fields.map((f) => f.split(":")[0]);
    for (const hop of ["keep-alive", "x-hop-secret", "proxy-authenticate", "trailer", "upgrade", "x-weft-connection-error", "te", "transfer-encoding"]) expect(names).not.toContain(hop);
    expect(r.fields).toContain("x-kept: a b\tc");
    expect(r.fields.filter((f) => f.startsWith("vary:"))).toEqual(["vary: origin", "vary: accept"]);
    expect(r.fields.filter((f) => f.startsWith("set-cookie:"))).toEqual(["set-cookie: a=1", "set-cookie: b=2"]);
    expect(r.fields.filter((f) => f.startsWith("content-length:"))).toEqual(["content-length: 5"]);
    expect(r.fields.filter((f) => f.startsWith("connection:"))).toEqual(["connection: close"]);
    expect(names).toContain("date");
    expect(r.body).toBe("hello");
  });

  it("sends a field that may appear once only once: the first", async () => {
    const r = await get("/once");
    expect(r.fields.filter((f) => f.startsWith("content-type:"))).toEqual(["content-type: text/a"]);
    expect(r.fields.filter((f) => f.startsWith("location:"))).toEqual(["location: /first"]);
    expect(r.body).toBe("hello");
  });

  it("refuses a value with a control character or a name that is not a token (503 upstream_reset), never forwarding it", async () => {
    for (const path of ["/ctl", "/name"]) {
      const r = await get(path);
      expect(r.status).toBe("HTTP/1.1 503 Service Unavailable");
      expect(r.fields).toContain("x-weft-error: upstream_reset");
      expect(r.fields.join("\n")).not.toMatch(/x.bad/i);
    }
  });
});
