// large-bodies: multi-megabyte request and response bodies stream through the engine intact (hash
// compared) over h1 and h2c, to h1 and h2c upstreams, with backpressure (no buffering requirement; a client
// that stops reading for a while is caught up with once it reads again).
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1, h2, h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

const size = 8 * 1024 * 1024;
const payload = Buffer.alloc(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + (i >> 10)) & 0xff;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const expected = sha(payload);

let up1: Echo, up2: Echo;
let proxy: ProxyUnderTest;

/** A client that stops reading for 300 ms, then reads the whole answer. */
function readAfterStall(stream: Readable, resolve: (b: Buffer) => void, reject: (e: Error) => void): void {
  const chunks: Buffer[] = [];
  stream.pause();
  setTimeout(() => stream.resume(), 300);
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("end", () => resolve(Buffer.concat(chunks)));
  stream.on("error", reject);
}

function behave(req: { url?: string }, res: unknown, body: string): boolean {
  const r = res as ServerResponse;
  if (req.url === "/up1/download" || req.url === "/up2/download") {
    r.writeHead(200, { "content-type": "application/octet-stream" });
    let off = 0;
    const pump = () => {
      while (off < size) {
        const chunk = payload.subarray(off, off + 65536);
        off += chunk.length;
        if (!r.write(chunk)) {
          r.once("drain", pump);
          return;
        }
      }
      r.end();
    };
    pump();
    return true;
  }
  r.writeHead(200, { "content-type": "text/plain" });
  r.end(`${Buffer.byteLength(body, "latin1")}:${sha(Buffer.from(body, "latin1"))}`);
  return true;
}

beforeAll(async () => {
  up1 = await startEcho("up1", behave as never);
  up2 = await startH2Echo("up2", behave as never);
  proxy = await startProxy(meshIR([cluster("ns/u1:80", [endpoint(up1.port)]), cluster("ns/u2:80", [endpoint(up2.port)], "h2c")]), tables([
    { matches: [prefix("/up1")], backends: [backend("ns/u1:80")] },
    { matches: [prefix("/up2")], backends: [backend("ns/u2:80")] },
  ]));
});

afterAll(async () => {
  await proxy.close();
  await Promise.all([up1.close(), up2.close()]);
});

describe("large bodies stream intact", () => {
  for (const up of ["up1", "up2"]) {
    it(`h1 client download/upload via ${up}`, { timeout: 60_000 }, async () => {
      const { request } = await import("node:http");
      const got = await new Promise<Buffer>((resolve, reject) => {
        request({ host: "127.0.0.1", port: proxy.port, path: `/${up}/download` }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(Buffer.concat(chunks)));
          res.on("error", reject);
        }).on("error", reject).end();
      });
      expect(got.length).toBe(size);
      expect(sha(got)).toBe(expected);
      const r = await h1(proxy.port, `/${up}/upload`, { method: "POST", body: payload.toString("latin1"), headers: { "content-type": "application/octet-stream" } });
      expect(r.body).toBe(`${size}:${expected}`);
    });
    it(`h2c client download/upload via ${up}`, { timeout: 60_000 }, async () => {
      const s = h2session(proxy.port);
      try {
        const got = await new Promise<Buffer>((resolve, reject) => {
          const st = s.request({ ":path": `/${up}/download` });
          const chunks: Buffer[] = [];
          st.on("data", (c: Buffer) => chunks.push(c));
          st.on("end", () => resolve(Buffer.concat(chunks)));
          st.on("error", reject);
        });
        expect(sha(got)).toBe(expected);
        const r = await h2(s, `/${up}/upload`, { method: "POST", body: payload.toString("latin1") });
        expect(r.body).toBe(`${size}:${expected}`);
      } finally {
        s.close();
      }
    });
    // The proxy's writes to a client that stopped reading fill up: it pauses the upstream answer and
    // must resume it when the client drains (the relay registers that callback only once it falls behind).
    it(`a client that stops reading for a while still gets the whole answer via ${up} (h1 and h2c)`, { timeout: 20_000 }, async () => {
      const { request } = await import("node:http");
      const viaH1 = await new Promise<Buffer>((resolve, reject) => {
        request({ host: "127.0.0.1", port: proxy.port, path: `/${up}/download` }, (res) => readAfterStall(res, resolve, reject)).on("error", reject).end();
      });
      expect(sha(viaH1)).toBe(expected);
      const s = h2session(proxy.port);
      try {
        const viaH2 = await new Promise<Buffer>((resolve, reject) => {
          readAfterStall(s.request({ ":path": `/${up}/download` }), resolve, reject);
        });
        expect(sha(viaH2)).toBe(expected);
      } finally {
        s.close();
      }
    });
  }
});
