// h1-front: the downstream HTTP/1.x front (pkg/proxy/h1-connection, h1-exchange, h1-headers) on the wire:
// pipelined requests answered in order, HTTP/1.0 without keep-alive closes and its body is close-delimited,
// HEAD answers carry no body, Expect: 100-continue gets its interim answer and other expectations 417,
// the idle keep-alive bound closes quietly, a response the upstream sends chunked arrives chunked with its
// trailers, and node-compatible header folding (duplicates, set-cookie, cookie, inherited names).
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headersOf, responseHead } from "../../pkg/proxy/h1/h1-headers.ts";
import { raw, rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let echo: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  echo = await startEcho("e", (req, res, body) => {
    const r = res as import("node:http").ServerResponse;
    if (req.url === "/chunked") {
      r.writeHead(200, { "content-type": "text/plain", trailer: "x-t" });
      r.write("ab");
      r.addTrailers({ "x-t": "done" });
      r.end("cd");
      return true;
    }
    if (req.url?.startsWith("/slow/")) {
      setTimeout(() => r.end(`slow:${req.url}`), Number(req.url.slice(6)));
      return true;
    }
    r.writeHead(200, { "content-type": "text/plain", "content-length": String(Buffer.byteLength(`${req.method} ${req.url} ${body}`)) });
    r.end(req.method === "HEAD" ? undefined : `${req.method} ${req.url} ${body}`);
    return true;
  });
  proxy = await startProxy(meshIR([cluster("ns/e:80", [endpoint(echo.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/e:80")] }]), {
    limits: { idleTimeoutMs: 400, headersTimeoutMs: 900 },
  });
});

afterAll(async () => {
  await proxy.close();
  await echo.close();
});

const statuses = (data: string) => [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);

describe("HTTP/1.x front on the wire", () => {
  it("answers pipelined requests in request order even when the first is slower", async () => {
    const data = await raw(proxy.port, "GET /slow/150 HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\nGET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 3000);
    expect(statuses(data)).toEqual(["200", "200", "200"]);
    const order = [data.indexOf("slow:/slow/150"), data.indexOf("GET /fast"), data.indexOf("GET /last")];
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("pipelined requests with and without bodies, in one write: each body reaches the upstream, each in its turn", async () => {
    // Requests complete at their head switch the parser's message-complete callback off; one with a body after
    // them must switch it on again, or its body never ends and the answers behind it never come.
    const data = await raw(
      proxy.port,
      "GET /g1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /p1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /g2 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"
        + "POST /p2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /g3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
      3000,
    );
    expect(statuses(data)).toEqual(["200", "200", "200", "200", "200"]);
    const order = ["GET /g1 ", "POST /p1 hello", "GET /g2 ", "POST /p2 abc", "GET /g3 "].map((s) => data.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("HTTP/1.0 without keep-alive: the answer says close and the connection closes", async () => {
    const { data, closed } = await rawUntilClose(proxy.port, "GET /ten HTTP/1.0\r\nHost: a\r\n\r\n");
    expect(statuses(data)).toEqual(["200"]);
    expect(data.toLowerCase()).toContain("connection: close");
    expect(data).toContain("GET /ten ");
    expect(closed).toBe(true);
  });

  it("HTTP/1.0 client and a chunked upstream answer: no chunked framing towards the client, close-delimited", async () => {
    const { data, closed } = await rawUntilClose(proxy.port, "GET /chunked HTTP/1.0\r\nHost: a\r\n\r\n");
    expect(data.toLowerCase()).not.toContain("transfer-encoding");
    expect(data.endsWith("\r\n\r\nabcd")).toBe(true);
    expect(closed).toBe(true);
  });

  it("a chunked upstream answer reaches an HTTP/1.1 client chunked, trailers included", async () => {
    const data = await raw(proxy.port, "GET /chunked HTTP/1.1\r\nHost: a\r\nTE: trailers\r\nConnection: close\r\n\r\n");
    expect(data.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(data).toContain("2\r\nab\r\n");
    expect(data).toMatch(/0\r\nx-t: done\r\n\r\n$/);
  });

  it("HEAD: headers with the upstream Content-Length, no body, connection reusable", async () => {
    const data = await raw(proxy.port, "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(statuses(data)).toEqual(["200", "200"]);
    const firstEnd = data.indexOf("\r\n\r\n");
    expect(data.slice(firstEnd + 4).startsWith("HTTP/1.1 200")).toBe(true);
    expect(data).toContain("GET /after ");
  });

  it("Expect: 100-continue gets 100 Continue before the body; another expectation gets 417", async () => {
    const got = await new Promise<string>((resolve) => {
      const s = connect(proxy.port, "127.0.0.1");
      let all = "";
      s.on("data", (d: Buffer) => {
        all += d.toString("latin1");
        if (all.startsWith("HTTP/1.1 100 Continue\r\n\r\n") && !all.includes("POST")) s.write("hello");
        if (all.includes("POST /c hello")) {
          s.destroy();
          resolve(all);
        }
      });
      s.write("POST /c HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      setTimeout(() => {
        s.destroy();
        resolve(all);
      }, 3000);
    });
    expect(got.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200")).toBe(true);
    const { data } = await rawUntilClose(proxy.port, "POST /c HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx");
    expect(statuses(data)).toEqual(["417"]);
  });

  it("an idle keep-alive connection is closed after the idle bound", async () => {
    const t0 = Date.now();
    const { data, closed } = await rawUntilClose(proxy.port, "GET /idle HTTP/1.1\r\nHost: a\r\n\r\n", 5000);
    expect(statuses(data)).toEqual(["200"]);
    expect(closed).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });
});

describe("slowloris on a kept-alive connection", () => {
  it("a head begun after an answer must complete within the headers bound (408), not the idle one", async () => {
    const got = await new Promise<{ data: string; partialAt: number; closedAt: number }>((resolve) => {
      const s = connect(proxy.port, "127.0.0.1");
      let data = "";
      let partialAt = 0;
      s.on("data", (d: Buffer) => {
        data += d.toString("latin1");
        if (partialAt === 0 && data.includes("GET /first")) {
          // Keep the connection busy with a partial head, byte by byte, past the idle bound.
          partialAt = Date.now();
          const bytes = "GET /second HTTP/1.1\r\nHost: a\r\nX-Slow: ";
          let i = 0;
          const drip = setInterval(() => {
            if (i < bytes.length && !s.destroyed) s.write(bytes[i++]!);
            else clearInterval(drip);
          }, 100);
        }
      });
      s.on("close", () => resolve({ data, partialAt, closedAt: Date.now() }));
      s.on("error", () => {});
      s.write("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
      setTimeout(() => s.destroy(), 6000);
    });
    expect(statuses(got.data)).toEqual(["200", "408"]);
    expect(got.closedAt - got.partialAt).toBeGreaterThanOrEqual(800);
    expect(got.closedAt - got.partialAt).toBeLessThan(5000);
  });
});

describe("request bound on a kept-alive connection", () => {
  it("counts from the request's head, not from when the connection went idle", async () => {
    const p2 = await startProxy(meshIR([cluster("ns/e:80", [endpoint(echo.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/e:80")] }]), {
      limits: { idleTimeoutMs: 10_000, headersTimeoutMs: 5_000, requestTimeoutMs: 800 },
    });
    try {
      const data = await new Promise<string>((resolve) => {
        const s = connect(p2.port, "127.0.0.1");
        let all = "";
        let step = 0;
        s.on("data", (d: Buffer) => {
          all += d.toString("latin1");
          if (step === 0 && all.includes("GET /one")) {
            step = 1;
            // Idle 900 ms, then a POST whose body comes 500 ms after its head: 1.4 s after going idle
            // (the sweep, every 400 ms, sees it past the 800 ms bound if counted from idle), 0.5 s after the head.
            setTimeout(() => {
              s.write("POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
              setTimeout(() => s.write("hello"), 500);
            }, 900);
          }
        });
        s.on("close", () => resolve(all));
        s.on("error", () => {});
        s.write("GET /one HTTP/1.1\r\nHost: a\r\n\r\n");
        setTimeout(() => s.destroy(), 5000);
      });
      expect(statuses(data)).toEqual(["200", "200"]);
      expect(data).toContain("POST /two hello");
    } finally {
      await p2.close();
    }
  });
});

describe("header folding and rendering", () => {
  it("folds duplicates as node does: set-cookie list, cookie with '; ', singletons keep the first, others joined", () => {
    const h = headersOf(["Set-Cookie", "a=1", "set-cookie", "b=2", "Cookie", "x=1", "cookie", "y=2", "Content-Type", "text/a", "content-type", "text/b", "X-Many", "1", "x-many", "2"]);
    expect(h["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(h.cookie).toBe("x=1; y=2");
    expect(h["content-type"]).toBe("text/a");
    expect(h["x-many"]).toBe("1, 2");
  });

  it("inherited member names are ordinary fields", () => {
    const h = headersOf(["constructor", "c1", "Constructor", "c2", "__proto__", "p"]);
    expect(h.constructor).toBe("c1, c2");
    expect(Object.getPrototypeOf(h)).toBe(Object.prototype);
  });

  it("refuses a header value with CR/LF and a name that is not a token", () => {
    expect(() => responseHead(200, { "x-a": "1\r\nx-injected: 1" })).toThrow(/ERR_INVALID_CHAR|Invalid character/);
    expect(() => responseHead(200, { "x a": "1" })).toThrow();
    expect(responseHead(204, { "x-a": ["1", "2"] }).text).toBe("HTTP/1.1 204 No Content\r\nx-a: 1\r\nx-a: 2\r\n");
  });
});
