// h1-own-parser-vectors: a fixed table of named HTTP/1.1 vectors (request smuggling, bad bytes, framing,
// keep-alive and upgrade rules) run through both the own parser (pkg/proxy/h1/own-parser.ts) and node's
// strict llhttp binding: each must end as the table says (accepted, or the HPE_* code) in both, and the
// two traces must be equal, fed whole and byte by byte. Also the own parser's API beyond llhttp's: the
// field-count bound, pausing after a head, error offsets, finish() at EOF.
import { describe, expect, it } from "vitest";
import { BODY, OwnH1Parser, PAUSE, REQUEST, type H1Events } from "../../pkg/proxy/h1/own-parser.ts";
import { llhttpTrace, pieces, RESPONSE_HEAD_BYTES } from "../support/h1-llhttp-trace.ts";
import { ownTrace } from "../support/h1-own-trace.ts";

interface Vector {
  name: string;
  kind?: "request" | "response";
  text: string;
  /** "ok", "upgrade" or the HPE_* code both parsers must end with. */
  end: string;
}

const GET = "GET / HTTP/1.1\r\nHost: a\r\n";
const POST = "POST / HTTP/1.1\r\nHost: a\r\n";

const vectors: Vector[] = [
  { name: "plain GET", text: `${GET}\r\n`, end: "ok" },
  { name: "CL + TE (TE second)", text: `${POST}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, end: "HPE_INVALID_TRANSFER_ENCODING" },
  { name: "TE + CL (CL second)", text: `${POST}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`, end: "HPE_INVALID_CONTENT_LENGTH" },
  { name: "TE chunked, identity", text: `${POST}Transfer-Encoding: chunked, identity\r\n\r\n`, end: "HPE_INVALID_TRANSFER_ENCODING" },
  { name: "TE chunked twice in one field", text: `${POST}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`, end: "HPE_INVALID_TRANSFER_ENCODING" },
  { name: "TE chunked then TE gzip", text: `${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n`, end: "HPE_INVALID_TRANSFER_ENCODING" },
  { name: "TE xchunked (request: not chunked last)", text: `${POST}Transfer-Encoding: xchunked\r\n\r\n`, end: "HPE_INVALID_TRANSFER_ENCODING" },
  { name: "TE gzip, chunked", text: `${POST}Transfer-Encoding: gzip, chunked\r\n\r\n1\r\na\r\n0\r\n\r\n`, end: "ok" },
  { name: "TE empty", text: `${POST}Transfer-Encoding:\r\n\r\n`, end: "HPE_INVALID_TRANSFER_ENCODING" },
  { name: "space before colon", text: `${POST}Content-Length : 1\r\n\r\na`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "duplicate CL, same value", text: `${POST}Content-Length: 1\r\nContent-Length: 1\r\n\r\na`, end: "HPE_UNEXPECTED_CONTENT_LENGTH" },
  { name: "duplicate CL, different value", text: `${POST}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`, end: "HPE_UNEXPECTED_CONTENT_LENGTH" },
  { name: "CL with sign", text: `${POST}Content-Length: +1\r\n\r\na`, end: "HPE_INVALID_CONTENT_LENGTH" },
  { name: "CL with inner space", text: `${POST}Content-Length: 1 2\r\n\r\na`, end: "HPE_INVALID_CONTENT_LENGTH" },
  { name: "CL list", text: `${POST}Content-Length: 1, 1\r\n\r\na`, end: "HPE_INVALID_CONTENT_LENGTH" },
  { name: "CL with trailing OWS", text: `${POST}Content-Length: 1 \t\r\n\r\na`, end: "ok" },
  { name: "CL 2^64-1 (no body yet)", text: `${POST}Content-Length: 18446744073709551615\r\n\r\nab`, end: "ok" },
  { name: "CL 2^64 overflows", text: `${POST}Content-Length: 18446744073709551616\r\n\r\n`, end: "HPE_INVALID_CONTENT_LENGTH" },
  { name: "CL empty", text: `${POST}Content-Length:\r\n\r\n`, end: "HPE_INVALID_CONTENT_LENGTH" },
  { name: "obs-fold", text: `${GET}X: a\r\n b\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "obs-fold hiding a field", text: `${POST}X: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "HTAB-folded line", text: `${GET}X: a\r\n\tY: b\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "space-started line after the request line", text: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", end: "HPE_UNEXPECTED_SPACE" },
  { name: "bare CR in a value", text: `${GET}X: a\rb\r\n\r\n`, end: "HPE_LF_EXPECTED" },
  { name: "bare LF after a value", text: `${GET}X: a\n\r\n`, end: "HPE_CR_EXPECTED" },
  { name: "bare LF after the request line", text: "GET / HTTP/1.1\nHost: a\r\n\r\n", end: "HPE_INVALID_VERSION" },
  { name: "bare LF after the target (HTTP/0.9, as llhttp)", text: "GET /\nHost: a\r\n\r\n", end: "ok" },
  { name: "CR CR LF after the request line", text: "GET / HTTP/1.1\r\r\n\r\n", end: "HPE_STRICT" },
  { name: "NUL in a value", text: `${GET}X: a\u0000b\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "DEL in a value", text: `${GET}X: a\u007fb\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "obs-text in a value", text: `${GET}X: a\u00ffb\r\n\r\n`, end: "ok" },
  { name: "empty field name", text: `${GET}: a\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "field line without colon", text: `${GET}X\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "separator in a name", text: `${GET}X(y): a\r\n\r\n`, end: "HPE_INVALID_HEADER_TOKEN" },
  { name: "overlong chunk size", text: `${POST}Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n`, end: "HPE_INVALID_CHUNK_SIZE" },
  { name: "chunk size with leading zeros", text: `${POST}Transfer-Encoding: chunked\r\n\r\n0000000000000000000001\r\na\r\n0\r\n\r\n`, end: "ok" },
  { name: "chunk size then space", text: `${POST}Transfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n`, end: "HPE_INVALID_CHUNK_SIZE" },
  { name: "negative chunk size", text: `${POST}Transfer-Encoding: chunked\r\n\r\n-1\r\n`, end: "HPE_INVALID_CHUNK_SIZE" },
  { name: "chunk data longer than its size", text: `${POST}Transfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n`, end: "HPE_STRICT" },
  { name: "chunk extensions (token, quoted, empty)", text: `${POST}Transfer-Encoding: chunked\r\n\r\n1;a;b=c;d="e f";;g\r\na\r\n0;h\r\n\r\n`, end: "ok" },
  { name: "chunk extension with space", text: `${POST}Transfer-Encoding: chunked\r\n\r\n1; a\r\na\r\n0\r\n\r\n`, end: "HPE_STRICT" },
  { name: "trailers", text: `${POST}Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n`, end: "ok" },
  { name: "CL in trailers", text: `${POST}Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 1\r\n\r\n`, end: "HPE_INVALID_CONTENT_LENGTH" },
  { name: "lower-case method", text: "get / HTTP/1.1\r\n\r\n", end: "HPE_INVALID_METHOD" },
  { name: "unknown method", text: "FOO / HTTP/1.1\r\n\r\n", end: "HPE_INVALID_METHOD" },
  { name: "RTSP method over HTTP", text: "DESCRIBE / HTTP/1.1\r\n\r\n", end: "HPE_INVALID_CONSTANT" },
  { name: "QUERY", text: "QUERY /q HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\na", end: "ok" },
  { name: "HTTP/1.2", text: "GET / HTTP/1.2\r\n\r\n", end: "HPE_INVALID_VERSION" },
  { name: "HTTP/3.0", text: "GET / HTTP/3.0\r\n\r\n", end: "HPE_INVALID_VERSION" },
  { name: "lower-case protocol", text: "GET / http/1.1\r\n\r\n", end: "HPE_INVALID_CONSTANT" },
  { name: "space after the version", text: "GET / HTTP/1.1 \r\n\r\n", end: "HPE_INVALID_VERSION" },
  { name: "HTAB in the target", text: "GET /a\tb HTTP/1.1\r\n\r\n", end: "HPE_INVALID_URL" },
  { name: "obs-text in the target", text: "GET /\u00e9 HTTP/1.1\r\n\r\n", end: "HPE_INVALID_URL" },
  { name: "HTAB before the version", text: "GET / \tHTTP/1.1\r\n\r\n", end: "HPE_INVALID_URL" },
  { name: "absolute-form and asterisk-form", text: "GET http://a.b/c?d HTTP/1.1\r\n\r\nOPTIONS * HTTP/1.1\r\n\r\n", end: "ok" },
  { name: "h2 preface", text: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", end: "HPE_PAUSED_H2_UPGRADE" },
  { name: "data after Connection: close", text: `${GET}Connection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n`, end: "HPE_CLOSED_CONNECTION" },
  { name: "HTTP/1.0 keep-alive then 1.0 close", text: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\nGET", end: "HPE_CLOSED_CONNECTION" },
  { name: "Connection token list", text: `${GET}Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\nraw`, end: "upgrade" },
  { name: "CONNECT", text: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\nraw", end: "upgrade" },
  { name: "Expect", text: `${POST}Expect: 100-continue\r\nContent-Length: 1\r\n\r\na`, end: "ok" },
  { name: "head at the size bound", text: `GET /${"a".repeat(16 * 1024)} HTTP/1.1\r\n\r\n`, end: "HPE_HEADER_OVERFLOW" },
  { name: "huge header value", text: `${GET}X: ${"v".repeat(20_000)}\r\n\r\n`, end: "HPE_HEADER_OVERFLOW" },
  { kind: "response", name: "204 with CL: no body", text: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", end: "ok" },
  { kind: "response", name: "304, 1xx then 200", text: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 NM\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", end: "ok" },
  { kind: "response", name: "body until close", text: "HTTP/1.1 200 OK\r\n\r\nall of it", end: "ok" },
  { kind: "response", name: "TE chunked, identity (response: until close)", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\nraw", end: "ok" },
  { kind: "response", name: "101", text: "HTTP/1.1 101 Switching\r\nUpgrade: ws\r\nConnection: upgrade\r\n\r\nraw", end: "upgrade" },
  { kind: "response", name: "status without reason", text: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", end: "ok" },
  { kind: "response", name: "two-digit status", text: "HTTP/1.1 20 OK\r\n\r\n", end: "HPE_INVALID_STATUS" },
  { kind: "response", name: "response head past 64 KiB", text: `HTTP/1.1 200 OK\r\nX: ${"v".repeat(70_000)}\r\n\r\n`, end: "HPE_HEADER_OVERFLOW" },
  { kind: "response", name: "cut-short body", text: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", end: "HPE_INVALID_EOF_STATE" },
];

describe("own HTTP/1.1 parser: named vectors, same end as node's llhttp", () => {
  for (const v of vectors) {
    it(v.name, () => {
      const kind = v.kind ?? "request";
      const bytes = Buffer.from(v.text, "latin1");
      const eof = kind === "response";
      const bound = kind === "response" ? RESPONSE_HEAD_BYTES : 16 * 1024;
      const ref = llhttpTrace(kind, [bytes], bound, () => false, eof);
      expect(ref.end).toBe(v.end);
      expect(ownTrace(kind, [bytes], bound, () => false, eof)).toEqual(ref);
      const bytewise = pieces(bytes, [...bytes.keys()]);
      expect(ownTrace(kind, bytewise, bound, () => false, eof)).toEqual(llhttpTrace(kind, bytewise, bound, () => false, eof));
    });
  }
});

describe("own HTTP/1.1 parser: its own API", () => {
  const heads: OwnH1Parser[] = [];
  const events = (onHead: (p: OwnH1Parser) => number): H1Events => ({ onHead, onBody: () => {}, onComplete: () => {} });

  it("refuses more fields than maxHeaderCount (HPE_HEADER_OVERFLOW at the field past the bound)", () => {
    const fields = (n: number) => Buffer.from(`GET / HTTP/1.1\r\n${"X: y\r\n".repeat(n)}\r\n`);
    const ok = new OwnH1Parser(REQUEST, { maxHeaderBytes: 16384, maxHeaderCount: 3 }, events(() => BODY));
    expect(ok.execute(fields(3))).toBe(fields(3).length);
    const over = new OwnH1Parser(REQUEST, { maxHeaderBytes: 16384, maxHeaderCount: 3 }, events(() => BODY));
    expect(over.execute(fields(4))).toBe(-1);
    expect(over.error).toBe("HPE_HEADER_OVERFLOW");
  });

  it("pauses right after a head and goes on after resume()", () => {
    const text = Buffer.from("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
    const p = new OwnH1Parser(REQUEST, { maxHeaderBytes: 16384, maxHeaderCount: 100 }, events((q) => {
      heads.push(q);
      return PAUSE;
    }));
    const first = p.execute(text);
    expect([first, p.paused, p.url]).toEqual([19, true, "/a"]);
    expect(p.execute(text.subarray(first))).toBe(-1);
    expect(p.error).toBe("HPE_PAUSED");
    const q = new OwnH1Parser(REQUEST, { maxHeaderBytes: 16384, maxHeaderCount: 100 }, events((h) => h.url === "/a" ? PAUSE : BODY));
    expect(q.execute(text)).toBe(19);
    q.resume();
    expect([q.execute(text.subarray(19)), q.url, q.error]).toEqual([19, "/b", ""]);
  });

  it("gives the offset of the offending byte in the read", () => {
    const p = new OwnH1Parser(REQUEST, { maxHeaderBytes: 16384, maxHeaderCount: 100 }, events(() => BODY));
    expect(p.execute(Buffer.from("GET / HTTP/1.1\r\nX: a"))).toBe(20);
    expect(p.execute(Buffer.from("b\u0001c\r\n"))).toBe(-1);
    expect([p.error, p.errorOffset]).toEqual(["HPE_INVALID_HEADER_TOKEN", 1]);
  });
});
