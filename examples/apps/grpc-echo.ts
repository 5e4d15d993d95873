// grpc-echo: the local-mode gRPC demo workload (weft.demo.Echo/Say) over h2c on loopback.
import { Server, ServerCredentials, loadPackageDefinition, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { host: { type: "string", default: "127.0.0.1" }, port: { type: "string" }, pod: { type: "string", default: "echo-0" } } });
if (values.port === undefined) throw new Error("grpc-echo: --port is required");

const def = loadPackageDefinition(loadSync(join(import.meta.dirname, "echo.proto")));
const echo = (def.weft as Record<string, Record<string, { service: never }>>).demo!.Echo!;
const server = new Server();
server.addService(echo.service, {
  Say(call: ServerUnaryCall<{ message: string }, unknown>, cb: sendUnaryData<{ message: string; pod: string }>) {
    cb(null, { message: call.request.message, pod: values.pod ?? "" });
  },
});
server.bindAsync(`${values.host}:${values.port}`, ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
  process.stdout.write(`grpc-echo listening on ${values.host}:${values.port}\n`);
});
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
