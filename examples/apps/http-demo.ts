// http-demo: a small demo workload for local mode. Answers every request with JSON describing
// itself and what it received; with --upstream it also calls that URL (through the mesh) and nests
// the answer, forwarding trace and user headers so one trace spans every hop.
// Must not: listen anywhere but the loopback address it is given.
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    service: { type: "string", default: "demo" },
    version: { type: "string", default: "v1" },
    pod: { type: "string", default: "demo-0" },
    upstream: { type: "string" },
  },
});
if (values.port === undefined) throw new Error("http-demo: --port is required");

const forwarded = ["traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-parentspanid", "x-request-id", "end-user", "x-version"];

function callUpstream(url: string, headers: IncomingHttpHeaders): Promise<unknown> {
  const out: Record<string, string> = {};
  for (const name of forwarded) {
    const v = headers[name];
    if (typeof v === "string") out[name] = v;
  }
  return new Promise((resolve) => {
    const req = request(url, { headers: out, timeout: 3000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: res.statusCode, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode, body: text });
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("upstream timeout")));
    req.on("error", (e) => resolve({ error: e.message }));
    req.end();
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://local");
  const reply = async (): Promise<void> => {
    const body: Record<string, unknown> = {
      service: values.service,
      version: values.version,
      pod: values.pod,
      method: req.method,
      path: url.pathname,
      query: url.search,
      host: req.headers.host,
      headers: Object.fromEntries(forwarded.filter((h) => req.headers[h] !== undefined).map((h) => [h, req.headers[h]])),
    };
    if (values.upstream !== undefined && url.pathname === "/") body.upstream = await callUpstream(values.upstream, req.headers);
    const text = `${JSON.stringify(body, null, 2)}\n`;
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  req.resume();
  req.on("end", () => void reply());
});
server.listen(Number(values.port), values.host, () => {
  process.stdout.write(`http-demo ${values.service}/${values.version} listening on ${values.host}:${values.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
