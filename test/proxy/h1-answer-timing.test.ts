// h1-answer-timing: an HTTP/1.1 client gets an answer's head and whole Content-Length body as soon as they
// arrive, also from an HTTP/2 upstream that ends its stream later (END_STREAM in a frame of its own): the
// front sends a small answer at the exchange's end only when that end comes with its last byte (an
// HTTP/1.1 upstream's, UpstreamResponse.endsAtLength), never waiting for a later one.
import { createServer, type Http2Server, type ServerHttp2Stream } from "node:http2";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

let upstream: Http2Server;
let proxy: ProxyUnderTest;
/** Ends the upstream's open stream (its END_STREAM); set while one waits. */
let endStream: (() => void) | undefined;

beforeAll(async () => {
  upstream = createServer();
  upstream.on("stream", (stream: ServerHttp2Stream) => {
    stream.respond({ ":status": 200, "content-type": "text/plain", "content-length": "2" });
    stream.write("ok");
    // The body is whole; the stream ends only when the test says so (or after 3 s).
    const t = setTimeout(() => stream.end(), 3000);
    endStream = () => {
      clearTimeout(t);
      stream.end();
    };
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as AddressInfo).port;
  proxy = await startProxy(meshIR([cluster("ns/h2:80", [endpoint(port)], "h2c")]), tables([{ matches: [prefix("/")], backends: [backend("ns/h2:80")] }]));
});

afterAll(async () => {
  endStream?.();
  await proxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe("an HTTP/1.1 client's answer from an HTTP/2 upstream", () => {
  it("arrives whole while the upstream's stream is still open", async () => {
    const s = connect(proxy.port, "127.0.0.1");
    let data = "";
    const got = await new Promise<string>((resolve) => {
      const t = setTimeout(() => resolve(data), 2000);
      s.on("data", (d: Buffer) => {
        data += d.toString("latin1");
        if (data.endsWith("\r\n\r\nok")) {
          clearTimeout(t);
          resolve(data);
        }
      });
      s.write("GET / HTTP/1.1\r\nhost: example.test\r\n\r\n");
    });
    endStream?.();
    s.destroy();
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got.endsWith("\r\n\r\nok")).toBe(true);
  });
});
