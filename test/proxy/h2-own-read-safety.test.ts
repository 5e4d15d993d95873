// h2-own-read-safety: the own HTTP/2 face (limits.h2Face "own", front/h2-own-front.ts) reads its connections
// into the one buffer every connection shares (user-buffer reads, h1/user-buffer-reads.ts), so whatever
// outlives a read must be a copy. These would corrupt data if it were not: request bodies larger than a read
// (and small ones that come whole with their head) on several streams and two connections at once, to an
// upstream that reads them slowly (their chunks wait while later reads land in the buffer); bodies are
// compared by hash. And the face's accepted socket does read that way (node's kBufferCb slot is set).
import { createHash, randomBytes } from "node:crypto";
import { connect as h2connect, createServer as createH2Server, type ClientHttp2Session, type Http2Server } from "node:http2";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H2OwnFront } from "../../pkg/proxy/front/h2-own-front.ts";
import { resolveLimits } from "../../pkg/proxy/limits.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let upstream: Http2Server;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  // Reads each body slowly (paused 50 ms after every chunk), answers its hash.
  upstream = createH2Server((req, res) => {
    const h = createHash("sha256");
    req.on("data", (c: Buffer) => {
      h.update(c);
      req.pause();
      setTimeout(() => req.resume(), 50);
    });
    req.on("end", () => res.end(h.digest("hex")));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as AddressInfo).port;
  proxy = await startProxy(meshIR([cluster("ns/up:80", [endpoint(port)], "h2c")]), tables([{ matches: [prefix("/")], backends: [backend("ns/up:80")] }]), {
    limits: { h2Face: "own" },
  });
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

function post(session: ClientHttp2Session, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const st = session.request({ ":method": "POST", ":path": "/sum" });
    const out: Buffer[] = [];
    st.on("data", (c: Buffer) => out.push(c));
    st.on("end", () => resolve(Buffer.concat(out).toString()));
    st.on("error", reject);
    st.end(body);
  });
}

describe("own h2 face: reads into the shared buffer", () => {
  it("bodies on several streams and two connections, to an upstream that reads slowly, arrive intact", { timeout: 60_000 }, async () => {
    const a = h2connect(`http://127.0.0.1:${proxy.port}`);
    const b = h2connect(`http://127.0.0.1:${proxy.port}`);
    try {
      const bodies = [randomBytes(300_000), randomBytes(5), randomBytes(70_000), randomBytes(1000), randomBytes(200_000), randomBytes(17)];
      const sent = bodies.map((body, i) => post(i % 2 === 0 ? a : b, body));
      expect(await Promise.all(sent)).toEqual(bodies.map(sha));
    } finally {
      a.close();
      b.close();
    }
  });

  it("the face's accepted socket reads through node's user-buffer slot", async () => {
    const front = new H2OwnFront(resolveLimits({}), () => {});
    let accepted: Socket | undefined;
    const server = createServer((s) => {
      accepted = s;
      front.serve(s, undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const c = connect((server.address() as AddressInfo).port, "127.0.0.1");
    try {
      await new Promise<void>((r) => c.once("connect", () => r()));
      for (let i = 0; i < 50 && accepted === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      const slot = Object.getOwnPropertySymbols(accepted!).find((x) => x.description === "kBufferCb")!;
      expect(typeof (accepted as unknown as Record<symbol, unknown>)[slot]).toBe("function");
    } finally {
      c.destroy();
      front.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
