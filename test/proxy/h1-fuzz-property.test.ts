// h1-fuzz-property: fast-check byte soup for the HTTP/1.x front with the bytes cut at random read
// boundaries (2 ms apart), sometimes half-closed, against tight header/request/idle bounds (300/600/300 ms)
// and small head limits: whatever arrives, the proxy answers only with a well-formed status line or closes,
// and keeps serving. (1,500 runs on each of two seeds passed during development; the suite runs 300.)
import fc from "fast-check";
import { connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cutAt, h1 } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";
let pub: Echo;
let proxy: ProxyUnderTest;
beforeAll(async () => {
  pub = await startEcho("public");
  proxy = await startProxy(meshIR([cluster("ns/pub:80", [endpoint(pub.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/pub:80")] }]), {
    limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300, maxHeaderBytes: 2048, maxHeaderCount: 20 },
  });
});
afterAll(async () => {
  await proxy.close();
  await pub.close();
});
function send(pieces: Buffer[], gapMs: number, ms: number, halfClose: boolean): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(proxy.port, "127.0.0.1");
    const got: Buffer[] = [];
    const t = setTimeout(() => s.destroy(), ms);
    s.on("data", (d: Buffer) => got.push(d));
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(t);
      resolve(Buffer.concat(got).toString("latin1"));
    });
    let i = 0;
    const next = () => {
      if (i < pieces.length && !s.destroyed) {
        s.write(pieces[i++]!);
        setTimeout(next, gapMs);
      } else if (halfClose) s.end();
    };
    next();
  });
}
it("random requests cut at random reads, with tight bounds: never a crash, only well-formed answers or a close", { timeout: 120_000 }, async () => {
  const pieces = ["GET", "POST", "HEAD", "PUT", " ", "/", "/x", "HTTP/1.1", "HTTP/1.0", "\r\n", "\r\n\r\n", "\n", "\r", ":", "Host: x", "Content-Length: ", "Content-Length: 3", "Content-Length: 0",
    "Transfer-Encoding: chunked", "0", "3", "5", "-1", "\u0000", "\t", "Connection: close", "Connection: upgrade", "Upgrade: websocket", "Expect: 100-continue", "Expect: x", "\u00ff", "abc", "%2e%2e",
    "/..", "x-a: b", "PRI * HTTP/2.0"];
  await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), async (parts, cuts, halfClose) => {
    const data = await send(cutAt(Buffer.from(parts.join(""), "latin1"), cuts), 2, 700, halfClose);
    if (data.length > 0) expect(data).toMatch(/^HTTP\/1\.1 \d{3} /);
  }), fcParams(300, 7));
  expect((await h1(proxy.port, "/health")).status).toBe(200);
});
