// h2-never-indexed: a field an HTTP/2 peer sends as a never-indexed literal (HPACK, RFC 7541 §6.2.3) goes
// on never-indexed through the proxy, both ways: the upstream session carries every client's requests, so
// a secret let into its compression context could be probed by another client's through the sizes.
// node lists such fields under `http2.sensitiveHeaders` on both ends; the test reads them there. Both
// downstream HTTP/2 faces (node:http2's server and the own framing, limits.h2Face) are held to it.
import { sensitiveHeaders, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let echo: Echo;
const proxies = new Map<string, ProxyUnderTest>();
const faces = ["node", "own"] as const;
const flagged = (h: unknown): readonly string[] => (h as { [sensitiveHeaders]?: readonly string[] })[sensitiveHeaders] ?? [];

beforeAll(async () => {
  echo = await startH2Echo("h2", (req) => {
    // An answer with a never-indexed field of its own.
    const stream = (req as unknown as { stream: ServerHttp2Stream }).stream;
    stream.respond({ ":status": 200, "x-answer-secret": "s3cr3t", "x-plain": "p", [sensitiveHeaders]: ["x-answer-secret"] });
    stream.end("ok");
    return true;
  });
  for (const face of faces) {
    proxies.set(face,
      await startProxy(meshIR([cluster("ns/h2:80", [endpoint(echo.port)], "h2c")]), tables([{ matches: [prefix("/")], backends: [backend("ns/h2:80")] }]), { limits: { h2Face: face } }));
  }
});

afterAll(async () => {
  for (const p of proxies.values()) await p.close();
  await echo.close();
});

describe("never-indexed HTTP/2 fields stay never-indexed through the proxy", () => {
  it.each(faces)("%s face: a request field the client sent never-indexed reaches the upstream never-indexed, the others as before", { timeout: 10_000 }, async (face) => {
    const session = h2session(proxies.get(face)!.port);
    const answer = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      const st = session.request({ ":path": "/secret", "x-api-key": "k3y", "x-other": "o", [sensitiveHeaders]: ["x-api-key"] });
      st.on("response", resolve);
      st.on("error", reject);
      st.resume();
    });
    session.close();
    const seen = echo.seen.at(-1)!;
    expect(seen.headers["x-api-key"]).toBe("k3y");
    expect(seen.headers["x-other"]).toBe("o");
    expect(flagged(seen.headers)).toContain("x-api-key");
    expect(flagged(seen.headers)).not.toContain("x-other");
    expect(answer["x-answer-secret"]).toBe("s3cr3t");
    expect(flagged(answer)).toContain("x-answer-secret");
    expect(flagged(answer)).not.toContain("x-plain");
  });
});
