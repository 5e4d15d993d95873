// h1-split-property: fast-check over the HTTP/1.x front's read boundaries. Pipelined requests (GET, POST
// with Content-Length, POST chunked, heads of more than 32 fields that node's binding hands over in parts) are cut at random points and
// sent piece by piece; whatever the cuts, every request reaches the upstream whole (method, path, body,
// a header from the end of a long head) and the answers, long heads included, come back in request order.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendInPieces } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";

let echo: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  echo = await startEcho("e", (req, res, body) => {
    const r = res as import("node:http").ServerResponse;
    const text = `${req.method} ${req.url} ${body} tail=${String(req.headers["x-tail"] ?? "")}`;
    // A long request head gets a long answer head too (more than 32 fields: the upstream partial-head path).
    const many: Record<string, string> = {};
    if (req.headers["x-pad-0"] !== undefined) { for (let i = 0; i < 40; i++) many[`x-r-${i}`] = "r".repeat(40); }
    r.writeHead(200, { ...many, "content-length": String(Buffer.byteLength(text)) });
    r.end(text);
    return true;
  });
  proxy = await startProxy(meshIR([cluster("ns/e:80", [endpoint(echo.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/e:80")] }]));
});

afterAll(async () => {
  await proxy.close();
  await echo.close();
});

interface Req {
  kind: "get" | "cl" | "chunked";
  path: string;
  body: string;
  padding: number;
}

function wire(r: Req, last: boolean): string {
  // More than 32 fields: node's binding hands a long head over in parts (the partial-head path).
  let pad = "";
  for (let i = 0; i < r.padding; i++) pad += `x-pad-${i}: ${"p".repeat(60)}\r\n`;
  const close = last ? "connection: close\r\n" : "";
  const head = (extra: string) => `${r.kind === "get" ? "GET" : "POST"} ${r.path} HTTP/1.1\r\nhost: a\r\n${pad}${extra}${close}x-tail: t${r.path.length}\r\n\r\n`;
  if (r.kind === "get") return head("");
  if (r.kind === "cl") return head(`content-length: ${Buffer.byteLength(r.body)}\r\n`) + r.body;
  const half = Math.floor(r.body.length / 2);
  const chunks = [r.body.slice(0, half), r.body.slice(half)].filter((c) => c.length > 0);
  return head("transfer-encoding: chunked\r\n") + chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join("") + "0\r\n\r\n";
}

function expected(r: Req): string {
  return `${r.kind === "get" ? "GET" : "POST"} ${r.path} ${r.kind === "get" ? "" : r.body} tail=t${r.path.length}`;
}

const reqArb: fc.Arbitrary<Req> = fc.record({
  kind: fc.constantFrom("get" as const, "cl" as const, "chunked" as const),
  path: fc.stringMatching(/^\/[a-z0-9]{0,12}$/),
  body: fc.stringMatching(/^[a-zA-Z0-9 ]{1,40}$/),
  padding: fc.constantFrom(0, 0, 40),
});

describe("HTTP/1.x front: request boundaries never matter", () => {
  it("pipelined requests cut at random points arrive whole, answered in order", { timeout: 120_000 }, async () => {
    await fc.assert(fc.asyncProperty(fc.array(reqArb, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), async (reqs, cuts) => {
      const data = reqs.map((r, i) => wire(r, i === reqs.length - 1)).join("");
      const out = (await sendInPieces(proxy.port, Buffer.from(data, "latin1"), cuts)).data.toString("latin1");
      const answers = out.split(/HTTP\/1\.1 /).slice(1);
      expect(answers.length).toBe(reqs.length);
      reqs.forEach((r, i) => {
        expect(answers[i]!.startsWith("200 ")).toBe(true);
        expect(answers[i]!.endsWith(expected(r))).toBe(true);
        if (r.padding > 0) expect(answers[i]).toContain(`x-r-39: ${"r".repeat(40)}`);
      });
    }), fcParams(25, 20261122));
  });
});
