// dropped-hop: what one sidecar hop pays per request for a dropped (unsampled) trace, by part, on the
// proxy's own HTTP/1.1 code: parsing the two propagation headers a Weft hop receives (traceparent + b3,
// node's llhttp through h1-parser.ts, then headersOf), the tracing facade (server span read from the
// header object, client span, inject into the upstream's header object: tracing at 1 %, the propagated
// context not sampled), and writing the two headers into the upstream's head (fieldLines). Each part is
// measured with and without the trace headers, alternating, BENCH_ROUNDS rounds (default 7), median CPU ns
// per request from process.cpuUsage. One JSON line per part and a "dropped-hop-summary" line.
// Bounded by iteration counts. Must not: send anything anywhere (no sockets).
import { headersOf, fieldLines } from "../../pkg/proxy/h1/h1-headers.ts";
import { newRequestParser } from "../../pkg/proxy/h1/h1-parser.ts";
import { DEFAULT_PROPAGATORS, initTracing } from "../../pkg/telemetry/index.ts";

const ITER = 100_000;
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 7));
const base = "GET /reviews/1 HTTP/1.1\r\nhost: reviews.bench:9080\r\nuser-agent: bench\r\naccept: */*\r\nx-request-id: 0f3c2b9a-6d1e-4b8f-9a7c-1e2d3c4b5a69\r\n";
const trace = "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\r\nb3: 4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\r\n";
const heads = { plain: Buffer.from(`${base}\r\n`), traced: Buffer.from(`${base}${trace}\r\n`) };

let raw: string[] = [];
const parser = newRequestParser(16 * 1024, {
  onHeadersPartial: () => {},
  onHead: (_maj, _min, headers) => {
    raw = headers ?? [];
    return 0;
  },
  onBody: () => {},
  onMessageComplete: () => {},
  onExecute: () => {},
});
const tracing = initTracing({ serviceName: "bench", protocol: "http", samplingRatio: 0.01, propagators: DEFAULT_PROPAGATORS });
const noAttrs = () => ({});

let sink = 0;
const parts: Record<string, (traced: boolean) => void> = {
  // The head as the hop receives it, and its header object.
  "parse": (traced) => {
    parser.execute(traced ? heads.traced : heads.plain);
    sink += Object.keys(headersOf(raw)).length;
  },
  // Tracing off: nothing; tracing on: read the propagated context, start the client span, inject.
  "facade": (traced) => {
    if (!traced) return;
    const h: Record<string, string> = { "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "b3": "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0" };
    const server = tracing.startServerSpan(h, noAttrs);
    tracing.inject(tracing.startClientSpan(server, {}), h);
    sink += h["traceparent"]!.length;
  },
  // The upstream's head with or without the two headers.
  "write": (traced) => {
    const h: Record<string, string> = { "host": "reviews.bench:9080", "user-agent": "bench", "accept": "*/*", "x-request-id": "0f3c2b9a-6d1e-4b8f-9a7c-1e2d3c4b5a69" };
    if (traced) {
      h["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-1f067aa0ba902b70-00";
      h["b3"] = "4bf92f3577b34da6a3ce929d0e0e4736-1f067aa0ba902b70-0";
    }
    sink += Buffer.byteLength(`GET /reviews/1 HTTP/1.1\r\n${fieldLines(h)}\r\n`);
  },
};

function cpuNs(f: (traced: boolean) => void, traced: boolean): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < ITER; i++) f(traced);
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / ITER;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const summary: Record<string, number> = {};
for (const [name, f] of Object.entries(parts)) {
  cpuNs(f, false);
  cpuNs(f, true);
  const off: number[] = [], on: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [true, false] : [false, true];
    for (const traced of order) (traced ? on : off).push(cpuNs(f, traced));
  }
  const extra = Math.round(median(on) - median(off));
  summary[name] = extra;
  process.stdout.write(
    `${
      JSON.stringify({ bench: "dropped-hop", part: name, rounds, without_ns: Math.round(median(off)), with_ns: Math.round(median(on)), extra_ns: extra,
        extra_range_ns: [Math.round(Math.min(...on) - Math.max(...off)), Math.round(Math.max(...on) - Math.min(...off))] })
    }\n`,
  );
}
process.stdout.write(
  `${
    JSON.stringify({ bench: "dropped-hop-summary", extra_ns_per_hop: Object.values(summary).reduce((a, b) => a + b, 0), by_part: summary, head_bytes: [heads.plain.length, heads.traced.length],
      sink: sink > 0 })
  }\n`,
);
await tracing.shutdown();
