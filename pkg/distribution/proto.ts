// proto: loads weft-distribution.proto with @grpc/proto-loader (no codegen) and gives the
// service definition, the client constructor and plain TypeScript shapes of its messages
// (camelCase, as proto-loader decodes them with keepCase=false, oneofs=true, defaults=true).
// The .proto is read beside this file: the build copies it next to the emitted proto.js, and the proxy
// bundle (tools/bundle-proxy.ts) next to itself.
// Must not: hold behaviour beyond loading; message sizes are bounded by the server/client options.
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export const PROTO_PATH = join(import.meta.dirname, "weft-distribution.proto");
export const SERVICE_NAME = "weft.distribution.v1.Distribution";

export interface ResourceHashMsg {
  type: string;
  name: string;
  hash: string;
}
export interface HelloMsg {
  namespace: string;
  serviceAccount: string;
  pod: string;
  kind: string;
  gatewayNamespace: string;
  gatewayName: string;
  version: string;
  known: ResourceHashMsg[];
  features?: string[];
}
export interface AckMsg {
  version: string;
  resources: ResourceHashMsg[];
}
export interface NackMsg extends AckMsg {
  reason: string;
  resync: boolean;
}
export interface ProxyMessage {
  msg?: "hello" | "ack" | "nack";
  hello?: HelloMsg | null;
  ack?: AckMsg | null;
  nack?: NackMsg | null;
}
export interface ResourceMsg {
  type: string;
  name: string;
  hash: string;
  payload: Uint8Array;
}
export interface ConfigUpdateMsg {
  version: string;
  baseVersion: string;
  full: boolean;
  resources: ResourceMsg[];
  removed: ResourceHashMsg[];
}
export interface ServerMessage {
  msg?: "update";
  update?: ConfigUpdateMsg | null;
}
export interface SignRequestMsg {
  csr: string;
  token: string;
}
export interface SignResponseMsg {
  certChain: string;
  trustBundle: string;
}

interface Loaded {
  /** Server-side definition: Stream responses may be pre-serialised bytes (see encodeServerMessage). */
  readonly service: grpc.ServiceDefinition;
  readonly Client: grpc.ServiceClientConstructor;
  readonly encodeServerMessage: (m: ServerMessage) => Buffer;
}

let loaded: Loaded | undefined;

export function loadDistributionProto(): Loaded {
  if (loaded !== undefined) return loaded;
  const def = protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    weft: { distribution: { v1: { Distribution: grpc.ServiceClientConstructor } } };
  };
  const Client = pkg.weft.distribution.v1.Distribution;
  const stream = Client.service["Stream"]!;
  const encodeServerMessage = (m: ServerMessage): Buffer => stream.responseSerialize(m);
  // One update is written to many proxies: let the server write bytes it serialised once.
  const service: grpc.ServiceDefinition = {
    ...Client.service,
    Stream: { ...stream, responseSerialize: (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : stream.responseSerialize(v)) },
  };
  loaded = { service, Client, encodeServerMessage };
  return loaded;
}

/** Streams and unary call as the generic client exposes them. */
export interface DistributionStub extends grpc.Client {
  Stream(metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<ProxyMessage, ServerMessage>;
  Sign(
    req: SignRequestMsg,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: SignResponseMsg) => void,
  ): grpc.ClientUnaryCall;
}
