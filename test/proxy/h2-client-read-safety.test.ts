// h2-client-read-safety: the own HTTP/2 client (upstream.ts's ownConn, limits.h2Client "own") reads its
// connections into the one buffer every connection shares (user-buffer reads, upstream/h2-own-reads.ts), so
// whatever outlives a read must be a copy. These would corrupt data if it were not: answer bodies larger
// than a read (and small ones) on several streams over two upstream connections at once, to a downstream
// client that reads them slowly (their chunks wait in the relay while later reads land in the buffer);
// bodies are compared by hash. And the client's socket does read that way (node's kBufferCb slot is set).
import { createHash, randomBytes } from "node:crypto";
import { connect as h2connect, createServer as createH2Server, type ClientHttp2Session, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownConn, send } from "../support/h2-own-client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const bodies = [randomBytes(300_000), randomBytes(5), randomBytes(70_000), randomBytes(1000), randomBytes(200_000), randomBytes(17)];
let origins: Http2Server[] = [];
/** One proxy per downstream face: node's holds a written chunk by reference until it goes out, the own one may copy it. */
const proxies: Record<"node" | "own", ProxyUnderTest | undefined> = { node: undefined, own: undefined };

beforeAll(async () => {
  // Answers GET /<a|b>/<i> with bodies[i].
  const ports: number[] = [];
  for (let k = 0; k < 2; k++) {
    const o = createH2Server((req, res) => res.end(bodies[Number(req.url.split("/")[2])]!));
    await new Promise<void>((r) => o.listen(0, "127.0.0.1", r));
    origins.push(o);
    ports.push((o.address() as AddressInfo).port);
  }
  for (const face of ["node", "own"] as const) {
    proxies[face] = await startProxy(
      meshIR([cluster("ns/a:80", [endpoint(ports[0]!)], "h2c"), cluster("ns/b:80", [endpoint(ports[1]!)], "h2c")]),
      tables([{ matches: [prefix("/a/")], backends: [backend("ns/a:80")] }, { matches: [prefix("/b/")], backends: [backend("ns/b:80")] }]),
      { limits: { h2Client: "own", h2Face: face } },
    );
  }
});

afterAll(async () => {
  for (const p of Object.values(proxies)) await p?.close();
  for (const o of origins) await new Promise<void>((r) => o.close(() => r()));
  origins = [];
});

/** GET through the proxy, reading the answer slowly (paused 30 ms after every chunk); gives its hash. */
function slowGet(session: ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const st = session.request({ ":method": "GET", ":path": path });
    const h = createHash("sha256");
    st.on("data", (c: Buffer) => {
      h.update(c);
      st.pause();
      setTimeout(() => st.resume(), 30);
    });
    st.on("end", () => resolve(h.digest("hex")));
    st.on("error", reject);
  });
}

describe("own h2 client: reads into the shared buffer", () => {
  it.each(["node", "own"] as const)("answer bodies on several streams over two upstream connections, to a slow reader (%s face), arrive intact", { timeout: 60_000 }, async (face) => {
    const c = h2connect(`http://127.0.0.1:${proxies[face]!.port}`);
    try {
      const got = bodies.map((_, i) => slowGet(c, `/${i % 2 === 0 ? "a" : "b"}/${i}`));
      const again = bodies.map((_, i) => slowGet(c, `/${i % 2 === 0 ? "b" : "a"}/${i}`));
      expect(await Promise.all([...got, ...again])).toEqual([...bodies.map(sha), ...bodies.map(sha)]);
    } finally {
      c.close();
    }
  });

  it("the client's socket reads through node's user-buffer slot once connected", async () => {
    const port = (origins[0]!.address() as AddressInfo).port;
    const conn = ownConn(port);
    try {
      const a = await send(conn, { path: "/a/1" }).done;
      expect(typeof a === "string" ? a : sha(a.body)).toBe(sha(bodies[1]!));
      const sock = (conn as unknown as { socket: object }).socket;
      const slot = Object.getOwnPropertySymbols(sock).find((x) => x.description === "kBufferCb")!;
      expect(typeof (sock as Record<symbol, unknown>)[slot]).toBe("function");
    } finally {
      conn.destroy();
    }
  });
});
