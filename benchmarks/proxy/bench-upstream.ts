// bench-upstream: the benchmark's origin server, a child process: HTTP/1.1 and h2c servers on loopback
// answering a fixed 64-byte body, and a @grpc/grpc-js unary echo. Prints {"h1Port", "h2Port", "grpcPort",
// "pid"} on stdout, exits on SIGTERM.
import { createServer } from "node:http";
import { createServer as createH2 } from "node:http2";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";

const body = Buffer.alloc(64, "x");
const h1 = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
    res.end(body);
  });
});
h1.keepAliveTimeout = 60_000;
const h2 = createH2((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
    res.end(body);
  });
});
await new Promise<void>((r) => h1.listen(0, "127.0.0.1", r));
await new Promise<void>((r) => h2.listen(0, "127.0.0.1", r));
// gRPC unary echo (raw bytes, no protobuf) at /bench.Echo/Unary.
const g = new grpc.Server();
const raw = (b: Buffer) => b;
g.addService({ Unary: { path: "/bench.Echo/Unary", requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } }, {
  Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request),
});
const grpcPort = await new Promise<number>((resolve, reject) => g.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
process.stdout.write(`${JSON.stringify({ h1Port: (h1.address() as AddressInfo).port, h2Port: (h2.address() as AddressInfo).port, grpcPort, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
