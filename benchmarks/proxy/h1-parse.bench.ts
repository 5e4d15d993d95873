// h1-parse.bench: ns per message of the own HTTP/1.1 parser (pkg/proxy/h1/own-parser.ts) against node's
// llhttp binding (h1-parser.ts), both driven from JS with one message per execute() on a kept-alive
// parser: a typical proxied GET request head and a small 200 response (13-byte body), each whole (one
// read) and split (three reads, cut inside the target/status line and inside a value). The consumers do
// the least the proxy's would: keep the head's fields, join llhttp's partial header lists, take the body.
// BENCH_H1_ROUNDS rounds (default 12, first 2 warm-up) of BENCH_H1_MESSAGES messages per side (default
// 200,000), the two sides interleaved and their order flipped each round. One JSON line per round and
// scenario, then a summary line per scenario (medians, median of the per-round own/llhttp ratios).
// Not what a consumed socket costs llhttp (there node calls into JS from C++ at the top level): the
// figure is the parse and its callbacks. Must not: do I/O.
import { loadavg } from "node:os";
import { BODY, OwnH1Parser, REQUEST, RESPONSE, type H1Events } from "../../pkg/proxy/h1/own-parser.ts";
import { closeParser, newRequestParser, newResponseParser, type LlhttpParser } from "../../pkg/proxy/h1/h1-parser.ts";

const rounds = Math.max(3, Number(process.env.BENCH_H1_ROUNDS ?? 12));
const messages = Math.max(10_000, Number(process.env.BENCH_H1_MESSAGES ?? 200_000));
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const GET = "GET /api/v1/orders/12345?expand=items&page=2 HTTP/1.1\r\nHost: orders.shop.svc.cluster.local\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) bench/1.0\r\n"
  + "Accept: application/json\r\nAccept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\nX-Request-Id: 7f9c2ba4-e88f-4a1b-9c3d-1e2f3a4b5c6d\r\n"
  + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nCookie: session=abc123; theme=dark\r\n\r\n";
const OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\nDate: Mon, 07 Dec 2026 20:00:00 GMT\r\nServer: upstream\r\n"
  + "Cache-Control: no-store\r\n\r\nHello, world!";

function split(s: string, a: string, b: string): Buffer[] {
  const buf = Buffer.from(s, "latin1");
  const i = s.indexOf(a) + 3, j = s.indexOf(b) + 5;
  return [buf.subarray(0, i), buf.subarray(i, j), buf.subarray(j)];
}

const scenarios: { name: string; kind: number; reads: Buffer[] }[] = [
  { name: "get-request-whole", kind: REQUEST, reads: [Buffer.from(GET, "latin1")] },
  { name: "get-request-split", kind: REQUEST, reads: split(GET, "/api/v1/orders", "Mozilla") },
  { name: "200-response-whole", kind: RESPONSE, reads: [Buffer.from(OK, "latin1")] },
  { name: "200-response-split", kind: RESPONSE, reads: split(OK, "200 OK", "text/plain") },
];

let sink = 0;

function runOwn(kind: number, reads: Buffer[], n: number): number {
  const events: H1Events = {
    onHead(p) {
      sink += p.headers.length + p.url.length + p.status;
      return BODY;
    },
    onBody(_d, s, e) {
      sink += e - s;
    },
    onComplete() {
      sink++;
    },
  };
  const p = new OwnH1Parser(kind, { maxHeaderBytes: 16 * 1024, maxHeaderCount: 200 }, events);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) for (const r of reads) if (p.execute(r) < 0) throw new Error(p.error);
  return Number(process.hrtime.bigint() - t) / n;
}

function runLlhttp(kind: number, reads: Buffer[], n: number): number {
  let partial: string[] | undefined;
  const cb = {
    onHeadersPartial: (h: string[]) => {
      (partial ??= []).push(...h);
    },
    onHead: (_ma: number, _mi: number, headers: string[] | undefined, _m: unknown, url: string | undefined, status: number | undefined) => {
      const list = headers ?? partial ?? [];
      partial = undefined;
      sink += list.length + (url?.length ?? 0) + (status ?? 0);
      return 0;
    },
    onBody: (chunk: Buffer) => {
      sink += chunk.length;
    },
    onMessageComplete: () => {
      sink++;
    },
    onExecute: () => {},
  };
  const p: LlhttpParser = kind === REQUEST ? newRequestParser(16 * 1024, cb) : newResponseParser(cb);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) for (const r of reads) if (typeof p.execute(r) !== "number") throw new Error("llhttp parse error");
  const ns = Number(process.hrtime.bigint() - t) / n;
  closeParser(p);
  return ns;
}

const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};

for (const s of scenarios) {
  const own: number[] = [], ll: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? ["own", "llhttp"] : ["llhttp", "own"];
    const got: Record<string, number> = {};
    for (const side of order) got[side] = side === "own" ? runOwn(s.kind, s.reads, messages) : runLlhttp(s.kind, s.reads, messages);
    if (round <= 2) continue;
    own.push(got.own!);
    ll.push(got.llhttp!);
    emit({ bench: "h1-parse", scenario: s.name, round, messages, own_ns: Math.round(got.own!), llhttp_ns: Math.round(got.llhttp!), ratio: Math.round((got.own! / got.llhttp!) * 1000) / 1000,
      load: loadavg()[0] });
  }
  emit({
    bench: "h1-parse-summary",
    scenario: s.name,
    rounds: own.length,
    messages,
    own_ns_median: Math.round(median(own)),
    llhttp_ns_median: Math.round(median(ll)),
    paired_ratio_median: Math.round(median(own.map((x, i) => x / ll[i]!)) * 1000) / 1000,
    own_faster_rounds: own.filter((x, i) => x < ll[i]!).length,
    load: loadavg()[0],
    sink: sink % 7,
  });
}
