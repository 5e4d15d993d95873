// grpc-health-check: one grpc.health.v1 Health/Check call to 127.0.0.1:<port>, plaintext, as the
// kubelet's gRPC probe makes it. The service definition is the standard health.proto given inline to
// @grpc/proto-loader (no file to ship); @grpc/grpc-js and proto-loader load on the first check only.
// Takes a port, a service name ("" = the whole server) and a timeout; gives the serving status name, or
// the gRPC status code name of a failed call. Must not: reach anything but loopback, or keep the channel.
import type * as GrpcJs from "@grpc/grpc-js";

/** grpc.health.v1 (github.com/grpc/grpc-proto, health.proto) as a protobufjs JSON descriptor. */
const HEALTH_PROTO = {
  nested: { grpc: { nested: { health: { nested: { v1: { nested: {
    HealthCheckRequest: { fields: { service: { type: "string", id: 1 } } },
    HealthCheckResponse: {
      fields: { status: { type: "ServingStatus", id: 1 } },
      nested: { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } } },
    },
    Health: { methods: { Check: { requestType: "HealthCheckRequest", responseType: "HealthCheckResponse" } } },
  } } } } } } },
};

type HealthClient = GrpcJs.Client & {
  Check(req: { service: string }, opts: GrpcJs.CallOptions, cb: (err: GrpcJs.ServiceError | null, res?: { status?: string }) => void): void;
};
interface Loaded {
  grpc: typeof GrpcJs;
  Health: new(address: string, creds: GrpcJs.ChannelCredentials) => HealthClient;
}

let loaded: Promise<Loaded> | undefined;

function load(): Promise<Loaded> {
  loaded ??= (async () => {
    const grpc = await import("@grpc/grpc-js");
    const protoLoader = await import("@grpc/proto-loader");
    const def = protoLoader.fromJSON(HEALTH_PROTO as Parameters<typeof protoLoader.fromJSON>[0], { enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: Loaded["Health"] } } } };
    return { grpc, Health: pkg.grpc.health.v1.Health };
  })();
  return loaded;
}

/** "SERVING", another serving status name, or the failed call's status code name (e.g. "UNIMPLEMENTED"). */
export async function grpcHealthCheck(port: number, service: string, timeoutMs: number): Promise<string> {
  const { grpc, Health } = await load();
  const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve) => {
      client.Check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err !== null) resolve(grpc.status[err.code] ?? "UNKNOWN");
        else resolve(res?.status ?? "UNKNOWN");
      });
    });
  } finally {
    client.close();
  }
}
