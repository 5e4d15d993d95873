// grpc-fixture: a @grpc/grpc-js test service (JSON-encoded messages, no .proto needed) with unary,
// server-streaming, client-streaming and bidi methods, on 127.0.0.1, plus a client constructor.
import * as grpc from "@grpc/grpc-js";

type Msg = { text: string; n?: number };
const ser = (v: Msg) => Buffer.from(JSON.stringify(v));
const de = (b: Buffer) => JSON.parse(b.toString()) as Msg;
const m = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: ser,
  requestDeserialize: de,
  responseSerialize: ser,
  responseDeserialize: de,
  originalName: name,
});

export const echoService = {
  Unary: m("Unary", false, false),
  Slow: m("Slow", false, false),
  Fail: m("Fail", false, false),
  ServerStream: m("ServerStream", false, true),
  ClientStream: m("ClientStream", true, false),
  Bidi: m("Bidi", true, true),
} as const satisfies grpc.ServiceDefinition;

export const EchoClient = grpc.makeGenericClientConstructor(echoService, "Echo");

export interface GrpcEcho {
  port: number;
  name: string;
  cancelled: number;
  calls: number;
  close(): Promise<void>;
}

export async function startGrpcEcho(name: string): Promise<GrpcEcho> {
  const server = new grpc.Server();
  const state: GrpcEcho = { port: 0, name, cancelled: 0, calls: 0, close: async () => {} };
  server.addService(echoService, {
    Unary: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      state.calls++;
      const md = new grpc.Metadata();
      md.set("x-trail", `t-${name}`);
      const seenHeader = call.metadata.get("x-added")[0];
      cb(null, { text: `${name}:${call.request.text}${seenHeader !== undefined ? `:${String(seenHeader)}` : ""}` }, md);
    },
    Slow: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      state.calls++;
      const t = setTimeout(() => cb(null, { text: "late" }), 3000);
      call.on("cancelled", () => {
        state.cancelled++;
        clearTimeout(t);
      });
    },
    Fail: (_call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      state.calls++;
      cb({ code: grpc.status.NOT_FOUND, details: "nothing here" });
    },
    ServerStream: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      state.calls++;
      for (let i = 0; i < (call.request.n ?? 3); i++) call.write({ text: `${name}:${i}` });
      call.end();
    },
    ClientStream: (call: grpc.ServerReadableStream<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      state.calls++;
      const parts: string[] = [];
      call.on("data", (d: Msg) => parts.push(d.text));
      call.on("end", () => cb(null, { text: parts.join("+") }));
    },
    Bidi: (call: grpc.ServerDuplexStream<Msg, Msg>) => {
      state.calls++;
      call.on("data", (d: Msg) => call.write({ text: `echo:${d.text}` }));
      call.on("end", () => call.end());
    },
  });
  state.port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  state.close = () => new Promise((r) => server.tryShutdown(() => r()));
  return state;
}

export function unary(client: grpc.Client, method: "Unary" | "Slow" | "Fail", msg: Msg,
  opts: { deadlineMs?: number; metadata?: grpc.Metadata } = {}): Promise<{ err: grpc.ServiceError | null; res: Msg | undefined; trailers: grpc.Metadata | undefined }>
{
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const callOpts: grpc.CallOptions = opts.deadlineMs !== undefined ? { deadline: Date.now() + opts.deadlineMs } : {};
    const c = (client as unknown as Record<string, (...a: unknown[]) => grpc.ClientUnaryCall>)[method]!.call(
      client,
      msg,
      opts.metadata ?? new grpc.Metadata(),
      callOpts,
      (err: grpc.ServiceError | null, res?: Msg) => setImmediate(() => resolve({ err, res, trailers })),
    );
    c.on("status", (s: grpc.StatusObject) => {
      trailers = s.metadata;
    });
  });
}
