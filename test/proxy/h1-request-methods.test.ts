// h1-request-methods: the method of an HTTP/1.1 request reaches the upstream as the client wrote it, for every
// method the front accepts. Under node's llhttp binding the front read the method as an index into node's own
// method table, which does not follow llhttp's numbering past the common methods: a QUERY request (RFC draft,
// llhttp 46, node's table 34) went upstream as GET. The upstream here is a raw TCP server that records the
// request line as sent, so nothing on the upstream side can rename a method either.
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { raw } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

let upstream: Server;
let port = 0;
const lines: string[] = [];
let proxy: ProxyUnderTest;

beforeAll(async () => {
  upstream = createServer((s) => {
    let head = "";
    s.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      lines.push(head.slice(0, head.indexOf("\r\n")));
      const cl = /\r\ncontent-length: *(\d+)/i.exec(head.slice(0, end));
      if (cl !== null && head.length < end + 4 + Number(cl[1])) return;
      head = "";
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  port = (upstream.address() as { port: number }).port;
  proxy = await startProxy(meshIR([cluster("ns/m:80", [endpoint(port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/m:80")] }]));
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe("request methods through the HTTP/1.1 front", () => {
  for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "QUERY", "PROPFIND", "MKCOL", "PURGE", "SEARCH"]) {
    it(`${method} goes upstream as ${method}`, async () => {
      lines.length = 0;
      const data = await raw(proxy.port, `${method} /m HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`, 3000);
      expect(data.startsWith("HTTP/1.1 200 ")).toBe(true);
      expect(lines).toEqual([`${method} /m HTTP/1.1`]);
    });
  }
});
