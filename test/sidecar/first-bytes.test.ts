// first-bytes / client-hello / conntrack: the pure classifiers the capture faces decide with.
// Real ClientHello bytes come from node:tls clients; properties: classification is stable once decided
// (more bytes never change the verdict), no input throws, truncated hellos ask for more.
import { createServer, type AddressInfo } from "node:net";
import { connect as tlsConnect } from "node:tls";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseClientHello } from "../../pkg/proxy/sidecar/client-hello.ts";
import { findOriginalDstInConntrack } from "../../pkg/proxy/sidecar/conntrack.ts";
import { classifyFirstBytes } from "../../pkg/proxy/sidecar/first-bytes.ts";
import { fcParams } from "../support/fast-check-env.ts";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

async function captureHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const server = createServer((s) => {
    s.on("data", (c: Buffer) => {
      chunks.push(c);
      setTimeout(() => s.destroy(), 50);
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => {
    const c = tlsConnect({ host: "127.0.0.1", port, ...opts, rejectUnauthorized: false });
    c.on("error", () => resolve());
    c.on("close", () => resolve());
  });
  server.close();
  return Buffer.concat(chunks);
}

describe("classifyFirstBytes", () => {
  it("recognises HTTP/1 methods, the h2 preface, TLS records and other bytes", () => {
    for (const m of ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE", "PROPFIND", "M-SEARCH"]) {
      expect(classifyFirstBytes(Buffer.from(`${m} /x HTTP/1.1\r\n`))).toBe("http1");
    }
    expect(classifyFirstBytes(Buffer.from(PREFACE))).toBe("h2");
    expect(classifyFirstBytes(Buffer.from("PRI /x HTTP/1.1\r\n"))).toBe("http1");
    expect(classifyFirstBytes(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe("tls");
    expect(classifyFirstBytes(Buffer.from([0x16, 0x02, 0x01]))).toBe("other");
    expect(classifyFirstBytes(Buffer.from("get / HTTP/1.1\r\n"))).toBe("other");
    expect(classifyFirstBytes(Buffer.from(" GET"))).toBe("other");
    expect(classifyFirstBytes(Buffer.from("\x00\x00\x00\x01"))).toBe("other");
    expect(classifyFirstBytes(Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))).toBe("other");
  });

  it("asks for more on every proper prefix that is still ambiguous", () => {
    for (let n = 0; n < PREFACE.length; n++) expect(classifyFirstBytes(Buffer.from(PREFACE.slice(0, n)))).toBe("need-more");
    expect(classifyFirstBytes(Buffer.from("GE"))).toBe("need-more");
    expect(classifyFirstBytes(Buffer.from([0x16, 0x03]))).toBe("need-more");
  });

  it("once decided, more bytes never change the verdict; no input throws", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
      const first = classifyFirstBytes(Buffer.from(a));
      const more = classifyFirstBytes(Buffer.concat([Buffer.from(a), Buffer.from(b)]));
      if (first !== "need-more") expect(more).toBe(first);
    }), fcParams(2000));
    fc.assert(fc.property(fc.constantFrom("GET ", "POST ", PREFACE, "\x16\x03\x01"), fc.uint8Array({ maxLength: 20 }), (p, tail) => {
      const all = Buffer.concat([Buffer.from(p, "latin1"), Buffer.from(tail)]);
      for (let n = 0; n <= all.length; n++) {
        const v = classifyFirstBytes(all.subarray(0, n));
        const final = classifyFirstBytes(all);
        if (v !== "need-more") expect(v).toBe(final);
      }
    }), fcParams(300));
  });
});

describe("parseClientHello", () => {
  it("reads ALPN and SNI from a real node:tls ClientHello", async () => {
    const hello = await captureHello({ servername: "reviews.shop.svc", ALPNProtocols: ["weft-h2", "weft-http/1.1"] });
    expect(classifyFirstBytes(hello)).toBe("tls");
    expect(parseClientHello(hello)).toEqual({ status: "ok", alpn: ["weft-h2", "weft-http/1.1"], serverName: "reviews.shop.svc" });
    const bare = await captureHello({});
    expect(parseClientHello(bare)).toEqual({ status: "ok", alpn: [] });
  });

  it("asks for more on every truncation, and never throws on mutated or random bytes", async () => {
    const hello = await captureHello({ ALPNProtocols: ["h2"] });
    for (let n = 0; n < hello.length; n += 7) expect(parseClientHello(hello.subarray(0, n)).status).toBe("need-more");
    fc.assert(fc.property(fc.integer({ min: 0, max: hello.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, byte) => {
      const copy = Buffer.from(hello);
      copy[i] = byte;
      const r = parseClientHello(copy);
      expect(["ok", "invalid", "need-more"]).toContain(r.status);
    }), fcParams(2000));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const b = Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), Buffer.from(bytes)]);
      expect(["ok", "invalid", "need-more"]).toContain(parseClientHello(b).status);
    }), fcParams(2000));
  });

  it("rejects a non-ClientHello handshake and absurd lengths", () => {
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00])).status).toBe("invalid");
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff])).status).toBe("invalid");
  });
});

describe("findOriginalDstInConntrack", () => {
  const text = [
    "ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.1.2 dst=10.96.0.10 sport=40000 dport=9080 src=127.0.0.1 dst=10.244.1.2 sport=15001 dport=40000 [ASSURED] mark=0 zone=0 use=2",
    "ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.1.2 dst=10.96.0.11 sport=40001 dport=9000 src=127.0.0.1 dst=10.244.1.2 sport=15001 dport=40001 [ASSURED] mark=0 zone=0 use=2",
    "ipv4     2 udp      17 29 src=10.244.1.2 dst=10.96.0.53 sport=40000 dport=53 src=10.96.0.53 dst=10.244.1.2 sport=53 dport=40000 mark=0 zone=0 use=2",
    "ipv6     10 tcp      6 431999 ESTABLISHED src=fd00:0:0:0:0:0:0:2 dst=fd00:0:0:0:0:0:96:a sport=41000 dport=9080 src=0000:0000:0000:0000:0000:0000:0000:0001 dst=fd00:0:0:0:0:0:0:2 sport=15001 dport=41000 [ASSURED] mark=0 zone=0 use=2",
  ].join("\n");
  it("maps the accepted socket's reply tuple to the original destination (IPv4 and IPv6)", () => {
    expect(findOriginalDstInConntrack(text, { localAddress: "127.0.0.1", localPort: 15001, remoteAddress: "10.244.1.2", remotePort: 40001 }))
      .toEqual({ address: "10.96.0.11", port: 9000 });
    expect(findOriginalDstInConntrack(text, { localAddress: "::1", localPort: 15001, remoteAddress: "fd00::2", remotePort: 41000 }))
      .toEqual({ address: "fd00::96:a", port: 9080 });
  });
  it("finds nothing when any reply field differs", () => {
    expect(findOriginalDstInConntrack(text, { localAddress: "127.0.0.1", localPort: 15006, remoteAddress: "10.244.1.2", remotePort: 40000 })).toBeUndefined();
    expect(findOriginalDstInConntrack(text, { localAddress: "127.0.0.1", localPort: 15001, remoteAddress: "10.244.1.3", remotePort: 40000 })).toBeUndefined();
  });
});
