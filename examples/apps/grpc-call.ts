// grpc-call: calls weft.demo.Echo/Say once through a Weft gateway (h2c) and prints the reply as JSON.
// Usage: node examples/apps/grpc-call.ts --target 127.0.0.1:8080 [--authority grpc.demo.local] [--message hello]
// Exits 0 with {"message":…,"pod":…} on stdout, or 1 with the gRPC status on stderr.
import { credentials, loadPackageDefinition, type Client, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { target: { type: "string", default: "127.0.0.1:8080" }, authority: { type: "string" }, message: { type: "string", default: "hello" } },
});
type EchoClient = Client & { Say(req: { message: string }, opts: { deadline: number }, cb: (e: ServiceError | null, r?: unknown) => void): void };
const def = loadPackageDefinition(loadSync(join(import.meta.dirname, "echo.proto")));
const Echo = (def.weft as unknown as Record<string, Record<string, new(t: string, c: ReturnType<typeof credentials.createInsecure>, o: object) => EchoClient>>).demo!.Echo!;
const client = new Echo(values.target, credentials.createInsecure(), values.authority !== undefined ? { "grpc.default_authority": values.authority } : {});
client.Say({ message: values.message }, { deadline: Date.now() + 5000 }, (err, reply) => {
  client.close();
  if (err !== null) {
    process.stderr.write(`grpc-call: ${err.code} ${err.details}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
});
