// h1-answers: the HTTP/1.1 front's invariant "if the backend received a request, the client receives that
// request's answer", on the three inputs that used to break it — a closing request (Connection: close,
// HTTP/1.0) followed by more bytes in the same write; more than 32 pipelined requests (backpressure, never
// a destroyed queue); a malformed chunked body after the head went upstream (the attempt is aborted, the
// client gets a clean 400) — and the version and preface hygiene of the request line.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startLoggingBackend, startProxy, tables, until, type LoggingBackend, type ProxyUnderTest } from "./fixtures.ts";

let be: LoggingBackend;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  be = await startLoggingBackend();
  proxy = await startProxy(meshIR([cluster("ns/b:80", [endpoint(be.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/b:80")] }]));
});

afterAll(async () => {
  await proxy.close();
  await be.close();
});

const statuses = (data: string) => [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
const ids = (data: string) => [...data.matchAll(/id=([^;]*);/g)].map((m) => m[1]);
/** Writes `first`; once the backend logged request `id` (and `graceMs` more), writes `then`; collects until close (5 s at most). */
function sendWhenLogged(first: string, id: string, then: string, graceMs = 0): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(proxy.port, "127.0.0.1");
    let data = "";
    const t = setTimeout(() => {
      s.destroy();
      resolve({ data, closed: false });
    }, 5000);
    s.on("data", (d: Buffer) => {
      data += d.toString("latin1");
    });
    s.on("close", () => {
      clearTimeout(t);
      resolve({ data, closed: true });
    });
    s.on("error", () => {});
    s.write(first);
    void until(() => be.logged.some((l) => l.id === id)).then(() => setTimeout(() => s.write(then), graceMs));
  });
}

const seenWith = (prefixId: string) => be.logged.filter((l) => l.id.startsWith(prefixId));

describe("a closing request followed by more bytes in the same write", () => {
  // [what closes, the bytes (two requests), their x-id prefix]
  const closing = [
    ["Connection: close", "GET /a HTTP/1.1\r\nHost: x\r\nx-id: cc-1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nx-id: cc-2\r\n\r\n", "cc-"],
    ["HTTP/1.0", "GET /a HTTP/1.0\r\nHost: x\r\nx-id: ten-1\r\n\r\nGET /b HTTP/1.0\r\nHost: x\r\nx-id: ten-2\r\n\r\n", "ten-"],
  ] as const;
  for (const [what, bytes, prefix] of closing) {
    it(`${what}: the first request is answered, the rest ignored`, async () => {
      const { data, closed } = await rawUntilClose(proxy.port, bytes);
      expect(statuses(data)).toEqual(["200"]);
      expect(ids(data)).toEqual([`${prefix}1`]);
      expect(closed).toBe(true);
      expect(seenWith(prefix).map((l) => l.id)).toEqual([`${prefix}1`]);
    });
  }
});

describe("more than 32 pipelined requests", () => {
  it("all 40 are answered in order; the stack holds at most 32 at once", async () => {
    be.resetMax();
    let wire = "";
    for (let i = 0; i < 40; i++) wire += `GET /slow/${i === 0 ? 200 : 1} HTTP/1.1\r\nHost: x\r\nx-id: p-${i}\r\n${i === 39 ? "Connection: close\r\n" : ""}\r\n`;
    const { data, closed } = await rawUntilClose(proxy.port, wire, 8000);
    expect(closed).toBe(true);
    expect(ids(data)).toEqual(Array.from({ length: 40 }, (_, i) => `p-${i}`));
    expect(seenWith("p-").length).toBe(40);
    expect(be.maxInFlight).toBeLessThanOrEqual(32);
  });
});

describe("a malformed chunked body after the head went upstream", () => {
  const good = "5\r\nhello\r\n";
  const cases: Record<string, string> = {
    "huge hex size": `${good}ffffffffffffffffffff\r\n`,
    "0x prefix": `${good}0x5\r\nhello\r\n0\r\n\r\n`,
    "negative size": `${good}-5\r\nhello\r\n0\r\n\r\n`,
    "leading space": `${good} 5\r\nhello\r\n0\r\n\r\n`,
    "64 KB chunk extension": `${good}5;${"e".repeat(65_536)}\r\nhello\r\n0\r\n\r\n`,
    "bare LF": `${good}5\nhello\n0\n\n`,
    "data without CRLF": `${good}5\r\nhelloXX0\r\n\r\n`,
    "Content-Length in trailers": `${good}0\r\ncontent-length: 5\r\n\r\n`,
  };
  let n = 0;
  for (const [name, body] of Object.entries(cases)) {
    it(`${name}: clean 400, upstream attempt aborted`, async () => {
      const id = `mc-${n++}`;
      const head = `POST /upload HTTP/1.1\r\nHost: x\r\nx-id: ${id}\r\nTransfer-Encoding: chunked\r\n\r\n`;
      // The head and a good chunk first, the broken part once the backend has the head.
      const got = await sendWhenLogged(head + good, id, body.slice(good.length));
      expect(be.logged.some((l) => l.id === id)).toBe(true);
      expect(statuses(got.data)).toEqual(["400"]);
      expect(got.data.toLowerCase()).toContain("x-weft-error: bad_request");
      expect(got.closed).toBe(true);
      const entry = be.logged.find((l) => l.id === id)!;
      await until(() => entry.aborted);
      expect(entry).toMatchObject({ complete: false, aborted: true });
    });
  }
});

describe("a pipelined request whose answer breaks", () => {
  /** brk-1 is slow; brk-2's backend starts its answer before brk-2's body ends, then (after `graceMs`) the body breaks. */
  const run = (n: number, graceMs: number) =>
    sendWhenLogged(
      `GET /slow/300 HTTP/1.1\r\nHost: x\r\nx-id: brk${n}-1\r\n\r\nPOST /early HTTP/1.1\r\nHost: x\r\nx-id: brk${n}-2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`,
      `brk${n}-2`,
      "zz\r\n",
      graceMs,
    );
  it("earlier answers still go out in full before the connection is torn down", async () => {
    // The case needs brk-2's answer head at the proxy before the broken chunk; a longer grace on a busy machine.
    for (const [n, grace] of [[0, 50], [1, 250], [2, 1000]] as const) {
      const got = await run(n, grace);
      expect(got.closed).toBe(true);
      expect(ids(got.data)).toEqual([`brk${n}-1`]);
      if (!got.data.includes("early")) continue;
      // The broken answer went out after brk-1's and never looks complete (short of its Content-Length).
      expect(got.data.indexOf("early")).toBeGreaterThan(got.data.indexOf(`id=brk${n}-1;`));
      expect(got.data.endsWith("-late;")).toBe(false);
      return;
    }
    expect.unreachable("the broken answer had not started in any run");
  });
});

describe("request line hygiene", () => {
  it("HTTP/0.9 request line ⇒ 400, nothing forwarded", async () => {
    const before = be.logged.length;
    const { data } = await rawUntilClose(proxy.port, "GET /nine\r\n\r\n");
    expect(statuses(data)).toEqual(["400"]);
    expect(be.logged.length).toBe(before);
  });
  it("HTTP/2.0 in an HTTP/1 request line ⇒ 505, nothing forwarded", async () => {
    const before = be.logged.length;
    const { data } = await rawUntilClose(proxy.port, "GET /two HTTP/2.0\r\nHost: x\r\n\r\n");
    expect(statuses(data)).toEqual(["505"]);
    expect(be.logged.length).toBe(before);
  });
  it("an invalid h2c preface (h2spec http2/3.5/2) is closed without an HTTP/1.1 answer", async () => {
    const { data, closed } = await rawUntilClose(proxy.port, "INVALID CONNECTION PREFACE\r\n\r\n");
    expect(data).toBe("");
    expect(closed).toBe(true);
    const pri = await rawUntilClose(proxy.port, "PRI * HTTP/2.0\r\n\r\nXY\r\n\r\n");
    expect(pri.data).toBe("");
    expect(pri.closed).toBe(true);
  });
});
