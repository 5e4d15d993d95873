// A client's EOF on a downstream HTTP/1.1 connection (pkg/proxy/front/h1-connection.ts) where sockets are
// accepted half-open, as the capture faces accept them (for TCP pass-through): between requests the
// proxy closes the connection at once instead of holding it half-closed until the idle timeout (each one
// held its socket, parser and, for mesh mTLS, its TLS buffers: docs/proxy.md "Memory"); a request sent
// just before the EOF still gets its answer, then the connection closes.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { compileRoutes } from "../../pkg/router/index.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, tables, until, type Echo } from "./fixtures.ts";

let echo: Echo;
let engine: WeftHttpEngine;
let server: Server;
let port = 0;

beforeAll(async () => {
  echo = await startEcho("e");
  // A long idle timeout: only the EOF can close the connection within a test's deadline.
  engine = createHttpEngine({ limits: { idleTimeoutMs: 60_000 } });
  const ir = meshIR([cluster("ns/e:80", [endpoint(echo.port)])]);
  engine.setState(engineStateOf(ir, "v1"));
  const routes = compileRoutes(tables([{ matches: [prefix("/")], backends: [backend("ns/e:80")] }]));
  server = createServer({ allowHalfOpen: true }, (socket) => {
    engine.serveConnection(socket, { face: "gateway", routes, destinationPort: port, scheme: "http", label: "test" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.close();
  await engine.drain(100);
  await echo.close();
});

/** A half-open capable client: what it read, and whether the proxy ended its side. */
function client(): { socket: Socket; data: () => string; ended: () => boolean } {
  const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  let data = "";
  let ended = false;
  socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
  socket.on("end", () => (ended = true));
  socket.on("error", () => {});
  return { socket, data: () => data, ended: () => ended };
}

const GET = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";

describe("HTTP/1.1 front: the client's EOF", () => {
  it("between requests closes the kept-alive connection at once", async () => {
    const c = client();
    c.socket.write(GET);
    await until(() => c.data().includes("\r\n\r\n") && /^HTTP\/1\.1 200 /.test(c.data()));
    expect(c.ended()).toBe(false);
    c.socket.end();
    await until(() => c.ended(), 3000);
    expect(c.ended()).toBe(true);
    c.socket.destroy();
  });

  it("right after a request: the answer goes out first, then the connection closes", async () => {
    const c = client();
    c.socket.end(GET);
    await until(() => c.ended(), 3000);
    expect(c.data()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.ended()).toBe(true);
    c.socket.destroy();
  });
});
