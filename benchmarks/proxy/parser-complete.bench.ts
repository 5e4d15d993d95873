// parser-complete.bench: what the downstream parser's message-complete callback costs a request that is
// complete at its head (h1-connection switches it off for those: callsOnComplete). One strict request
// parser runs 2,000 pipelined GETs per execute() with the callback on, then off, alternating for 12
// rounds of 50 executes (the first two of each left out as warm-up); prints the median ns per request of
// each. Called from JS the callbacks are nested, not top-level as on a consumed socket: the figure is the
// call itself, not node's scope around a top-level one. Must not: do I/O.
import { callsOnComplete, newRequestParser } from "../../pkg/proxy/h1/h1-parser.ts";

const one = "GET /some/path?x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n";
const perExecute = 2000;
const buf = Buffer.from(one.repeat(perExecute), "latin1");
let completes = 0;
const complete = (): void => {
  completes++;
};

function run(off: boolean, executes: number): number {
  const p = newRequestParser(16_384, {
    onHeadersPartial: () => {},
    onHead: () => {
      if (off) callsOnComplete(p, null);
      return 0;
    },
    onBody: () => {},
    onMessageComplete: complete,
    onExecute: () => {},
  });
  const t = process.hrtime.bigint();
  for (let i = 0; i < executes; i++) p.execute(buf);
  return Number(process.hrtime.bigint() - t) / (executes * perExecute);
}

const ns: Record<"on" | "off", number[]> = { on: [], off: [] };
for (let r = 0; r < 12; r++) for (const k of r % 2 === 1 ? (["on", "off"] as const) : (["off", "on"] as const)) ns[k].push(run(k === "off", 50));
const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!;
};
const on = median(ns.on.slice(2));
const off = median(ns.off.slice(2));
process.stdout.write(`${JSON.stringify({ bench: "parser-complete", on_ns_per_req: Math.round(on), off_ns_per_req: Math.round(off), saved_ns: Math.round(on - off), completes })}\n`);
