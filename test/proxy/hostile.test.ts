// hostile: raw-socket attacks on the h1 and h2 frontends. Smuggling attempts (CL+TE, differing duplicate
// Content-Length, obs-fold, bad bytes, bad Transfer-Encoding) are refused with 400 and never reach a
// backend; oversized and too many headers ⇒ 431; slowloris headers are cut off; dot-segment escapes ⇒
// 400; abrupt resets mid-body and garbage frames leave the proxy serving. fast-check: random hostile
// byte soup never crashes the proxy and never produces anything but a well-formed status line or a close.
import fc from "fast-check";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { h1, h2, h2session, raw, rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";

let pub: Echo, secret: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  [pub, secret] = await Promise.all([startEcho("public"), startEcho("secret")]);
  proxy = await startProxy(meshIR([cluster("ns/pub:80", [endpoint(pub.port)]), cluster("ns/secret:80", [endpoint(secret.port)])]), tables([
    { matches: [prefix("/admin")], backends: [backend("ns/secret:80")] },
    { matches: [prefix("/")], backends: [backend("ns/pub:80")] },
  ]), { limits: { headersTimeoutMs: 600, requestTimeoutMs: 2000, maxHeaderBytes: 8192, maxHeaderCount: 50 } });
});

afterAll(async () => {
  await proxy.close();
  await Promise.all([pub.close(), secret.close()]);
});

const statusOf = (data: string) => /^HTTP\/1\.1 (\d{3}) /.exec(data)?.[1];
const smuggled = "GET /admin/steal HTTP/1.1\r\nHost: x\r\n\r\n";

async function stillServing(): Promise<void> {
  const r = await h1(proxy.port, "/health");
  expect(r.status).toBe(200);
}

/** A new h2c session still gets `path` answered 200. */
async function stillServingH2(path: string): Promise<void> {
  const s = h2session(proxy.port);
  try {
    expect((await h2(s, path)).status).toBe(200);
  } finally {
    s.close();
  }
}

describe("request smuggling is refused", () => {
  const cases: Record<string, string> = {
    "CL + TE": `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    "TE + CL": `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${smuggled}`,
    "differing duplicate Content-Length": `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n${smuggled}`,
    "obs-fold": `GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n`,
    "obs-fold in Transfer-Encoding": `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    "TE not ending in chunked": `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggled}`,
    "TE with junk token": `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${smuggled}`,
    "space before colon": `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    "NUL in header value": `GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n`,
    "bare CR in header": `GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n`,
    "LF-only line endings with smuggled CL": `POST / HTTP/1.1\nHost: x\nContent-Length: 4\nTransfer-Encoding: chunked\n\n0\n\n${smuggled}`,
    "bad chunk size": `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    "missing Host": `GET / HTTP/1.1\r\n\r\n`,
    "two Host headers": `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`,
    "Host with userinfo and path": `GET / HTTP/1.1\r\nHost: user@evil.example/x\r\n\r\n`,
    "invalid method token": `G(T / HTTP/1.1\r\nHost: x\r\n\r\n`,
    "HTTP/1.1 request target with space": `GET /a b HTTP/1.1\r\nHost: x\r\n\r\n`,
  };
  for (const [name, payload] of Object.entries(cases)) {
    it(name, async () => {
      const before = secret.seen.length;
      const { data, closed } = await rawUntilClose(proxy.port, payload, 3000);
      const status = statusOf(data);
      expect(status === undefined ? closed : status.startsWith("4")).toBe(true);
      expect(data).not.toMatch(/HTTP\/1\.1 200/);
      expect(secret.seen.length).toBe(before);
    });
  }
  it("leaves the proxy serving", stillServing);
});

describe("limits", () => {
  it("oversized header block ⇒ 431", async () => {
    const { data } = await rawUntilClose(proxy.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(10_000)}\r\n\r\n`);
    expect(statusOf(data)).toBe("431");
  });
  it("too many header fields ⇒ 431", async () => {
    const many = Array.from({ length: 60 }, (_, i) => `X-H${i}: v`).join("\r\n");
    const { data } = await rawUntilClose(proxy.port, `GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`);
    expect(statusOf(data)).toBe("431");
  });
  it("slowloris: an unfinished header block is cut off", async () => {
    const { data, closed } = await rawUntilClose(proxy.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", 5000);
    expect(closed).toBe(true);
    expect(statusOf(data) ?? "408").toBe("408");
  });
  it("dot segments above the root ⇒ 400 bad_path; inner ones are resolved before routing", async () => {
    const bad = await rawUntilClose(proxy.port, "GET /../admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(statusOf(bad.data)).toBe("400");
    expect(bad.data).toContain("x-weft-error: bad_path");
    const before = secret.seen.length;
    const inner = await h1(proxy.port, "/public/../admin/x");
    expect(JSON.parse(inner.body)).toMatchObject({ server: "secret", url: "/admin/x" });
    expect(secret.seen.length).toBe(before + 1);
    const enc = await h1(proxy.port, "/admin/%2e%2e/public");
    expect(JSON.parse(enc.body)).toMatchObject({ server: "public", url: "/public" });
  });
});

describe("abrupt clients", () => {
  it("reset mid-body does not crash the proxy or deliver a whole request", async () => {
    const before = pub.seen.filter((s) => s.url === "/upload").length;
    const accepted = new Promise<Socket>((r) => proxy.server.once("connection", r));
    const s = connect(proxy.port, "127.0.0.1");
    s.on("error", () => {});
    const proxySide = await accepted;
    const proxyClosed = new Promise<void>((r) => proxySide.once("close", () => r()));
    await new Promise<void>((r) => s.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "a".repeat(1000), () => r()));
    // The proxy read the head and part of the body before the reset.
    await vi.waitFor(() => expect(proxySide.bytesRead).toBeGreaterThan(1000), { timeout: 10_000, interval: 10 });
    s.resetAndDestroy();
    // The event: the proxy saw the reset and closed its side. Then: no whole request reached the upstream.
    await proxyClosed;
    expect(pub.seen.filter((x) => x.url === "/upload").length).toBe(before);
    await stillServing();
  });
  it("garbage instead of HTTP ⇒ 400 or close", async () => {
    const { data, closed } = await rawUntilClose(proxy.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01, 0x00, 0x00, 0xfb, 0x03, 0x03]), 3000, true);
    expect(statusOf(data) === "400" || closed).toBe(true);
    await stillServing();
  });
  it("h2 preface followed by garbage frames ⇒ GOAWAY/close, proxy keeps serving h2", async () => {
    const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const bogusFrame = Buffer.from([0x00, 0x00, 0x08, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]);
    const badSettings = Buffer.from([0x00, 0x00, 0x05, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5]);
    const { closed } = await rawUntilClose(proxy.port, Buffer.concat([Buffer.from(preface), badSettings, bogusFrame]), 3000);
    expect(closed).toBe(true);
    await stillServingH2("/h2-ok");
  });
  it("h2 headers frame with a huge header list is refused, session survives for others", async () => {
    const s = h2session(proxy.port);
    try {
      const big = await h2(s, "/x", { headers: { "x-big": "b".repeat(20_000) } }).then((r) => r.status, () => -1);
      expect(big === 431 || big === -1).toBe(true);
    } finally {
      s.destroy();
    }
    await stillServingH2("/after");
  });
});

describe("h2 stream floods", () => {
  it("rapid reset (HEADERS then RST_STREAM, 2000 times) leaves the proxy serving", { timeout: 60_000 }, async () => {
    const { connect: h2c, constants } = await import("node:http2");
    const s = h2c(`http://127.0.0.1:${proxy.port}`);
    s.on("error", () => {});
    await new Promise<void>((r) => s.once("connect", () => r()));
    let sent = 0;
    for (let i = 0; i < 2000 && !s.closed && !s.destroyed; i++) {
      try {
        const st = s.request({ ":path": `/flood/${i}` });
        st.on("error", () => {});
        st.close(constants.NGHTTP2_CANCEL);
        sent++;
      } catch {
        break;
      }
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    // A PING is answered after every frame before it was read: the proxy has seen the whole flood
    // (or it closed the session, which also ends the wait).
    await new Promise<void>((r) => {
      if (s.closed || s.destroyed || !s.ping(() => r())) r();
      s.once("close", () => r());
    });
    s.destroy();
    expect(sent).toBeGreaterThan(0);
    expect(pub.seen.filter((x) => x.url.startsWith("/flood/")).length).toBeLessThanOrEqual(sent);
    await stillServing();
    await stillServingH2("/after-flood");
  });
  it("more concurrent streams than SETTINGS allow are refused, not served", async () => {
    const { connect: h2c } = await import("node:http2");
    const small = await startProxy(meshIR([cluster("ns/pub:80", [endpoint(pub.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/pub:80")] }]), {
      limits: { maxConcurrentStreams: 5 },
    });
    const s = h2c(`http://127.0.0.1:${small.port}`);
    s.on("error", () => {});
    try {
      await new Promise<void>((r) => s.once("remoteSettings", () => r()));
      expect(s.remoteSettings.maxConcurrentStreams).toBe(5);
    } finally {
      s.destroy();
      await small.close();
    }
  });
});

describe("property: hostile byte soup", () => {
  it("never crashes, answers only with a well-formed status line or closes, never reaches the secret backend", async () => {
    const pieces = ["GET", "POST", " ", "/", "/admin", "HTTP/1.1", "HTTP/1.0", "\r\n", "\n", "\r", ":", "Host: x", "Content-Length: ", "Transfer-Encoding: chunked", "0", "5", "-1", "\u0000", "\t",
      "Connection: close", "\u00ff", "abc", "%2e%2e", "/.."];
    const before = secret.seen.length;
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 30 }), async (parts) => {
      const payload = parts.join("").replace(/\/admin/g, "/adm1n");
      const data = await raw(proxy.port, payload, 250);
      if (data.length > 0) expect(data).toMatch(/^HTTP\/1\.1 \d{3} /);
    }), fcParams(50, 42));
    expect(secret.seen.length).toBe(before);
    await stillServing();
  }, 60_000);
});
