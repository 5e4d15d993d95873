// support: a controller (file provider, local dev tokens ⇒ in-memory mesh CA) on loopback with a
// Gateway demo/public whose HTTPS listener carries a TLS Secret, and raw distribution streams that
// report every message and the final status. Test support only.
import * as grpc from "@grpc/grpc-js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { startController, type ControllerHandle } from "../../pkg/controller/runtime.ts";
import { loadDistributionProto, type DistributionStub, type ServerMessage } from "../../pkg/distribution/proto.ts";
import { selfSigned } from "../support/certs.ts";
import { weftGatewayYaml } from "../support/gateway-yaml.ts";
import type { Log } from "../../pkg/k8s/index.ts";

export const TOKENS = {
  web: "tok-web-0123456789abcdef",
  gateway: "tok-gateway-0123456789abcdef",
  other: "tok-other-0123456789abcdef",
} as const;
export const CONTROLLER_HOST = "weft.weft-system.svc";
export const LISTENER = selfSigned("shop.example.com");

/** Every controller log line (message and fields) of this process, to check nothing secret is logged. */
export const LOG_LINES: string[] = [];
const record = (obj: object, msg: string): void => {
  LOG_LINES.push(`${msg} ${JSON.stringify(obj)}`);
};
export const CAPTURE_LOG: Log = { info: record, warn: record, error: record };

function manifests(): string {
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  return `apiVersion: v1
kind: Namespace
metadata: { name: demo }
---
${
    weftGatewayYaml({ name: "public", namespace: "demo" }, `
    - name: https
      protocol: HTTPS
      port: 8443
      hostname: shop.example.com
      tls: { mode: Terminate, certificateRefs: [{ name: shop-tls }] }
`)
  }---
apiVersion: v1
kind: Secret
metadata: { name: shop-tls, namespace: demo }
type: kubernetes.io/tls
data:
  tls.crt: ${b64(LISTENER.certPem)}
  tls.key: ${b64(LISTENER.keyPem)}
`;
}

export interface SecureController {
  readonly handle: ControllerHandle;
  readonly address: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startSecureController(extra: readonly string[] = []): Promise<SecureController> {
  const dir = mkdtempSync(join(tmpdir(), "weft-sec-"));
  const manifestDir = join(dir, "manifests");
  writeFileSync(join(dir, "tokens.json"), JSON.stringify({
    tokens: [
      { token: TOKENS.web, namespace: "demo", serviceAccount: "web" },
      { token: TOKENS.gateway, namespace: "demo", serviceAccount: "weft-gw-public" },
      { token: TOKENS.other, namespace: "other", serviceAccount: "web" },
    ],
  }), { mode: 0o600 });
  mkdirSync(manifestDir);
  writeFileSync(join(manifestDir, "all.yaml"), manifests());
  const argv = ["--provider", "file", "--dir", manifestDir, "--grpc-address", "127.0.0.1", "--grpc-port", "0", "--admin-port", "0", "--local-dev-tokens", join(dir, "tokens.json"), "--namespace",
    "weft-system", "--grpc-dns-names", "localhost", ...extra];
  const handle = await startController(parseControllerOptions(argv, {}), CAPTURE_LOG);
  const until = Date.now() + 10_000;
  while (!handle.ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return {
    handle,
    dir,
    address: `127.0.0.1:${handle.grpcPort}`,
    async stop() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface StreamOutcome {
  readonly messages: ServerMessage[];
  /** Bytes of every message received, concatenated as text (to look for secrets). */
  readonly received: string;
  readonly code: number | undefined;
  readonly details: string;
  readonly headers: boolean;
}

/** Opens one Stream, sends `hello`, and collects what comes back until an update, an error or `waitMs`. */
export function rawStream(o: {
  address: string;
  credentials: grpc.ChannelCredentials;
  token?: string;
  waitMs?: number;
  hello: { namespace: string; serviceAccount: string; pod?: string; kind: "sidecar" | "gateway"; gatewayNamespace?: string; gatewayName?: string };
}): Promise<StreamOutcome> {
  const { Client } = loadDistributionProto();
  const stub = new Client(o.address, o.credentials, { "grpc.ssl_target_name_override": CONTROLLER_HOST, "grpc.default_authority": CONTROLLER_HOST }) as unknown as DistributionStub;
  const md = new grpc.Metadata();
  if (o.token !== undefined) md.set("authorization", `Bearer ${o.token}`);
  return new Promise((resolve) => {
    const messages: ServerMessage[] = [];
    let headers = false;
    let settled = false;
    const call = stub.Stream(md, { deadline: Date.now() + (o.waitMs ?? 5_000) + 2_000 });
    const finish = (code: number | undefined, details: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.cancel();
      stub.close();
      const received = messages.flatMap((m) => m.update?.resources ?? []).map((r) => Buffer.from(r.payload).toString("utf8")).join("\n");
      resolve({ messages, received, code, details, headers });
    };
    const timer = setTimeout(() => finish(undefined, "timeout"), o.waitMs ?? 5_000);
    call.on("metadata", () => {
      headers = true;
    });
    call.on("data", (m: ServerMessage) => {
      messages.push(m);
      finish(undefined, "update");
    });
    call.on("error", (e: grpc.ServiceError) => finish(e.code, e.details));
    call.on("end", () => finish(undefined, "end"));
    call.write({
      msg: "hello",
      hello: {
        namespace: o.hello.namespace,
        serviceAccount: o.hello.serviceAccount,
        pod: o.hello.pod ?? "p-1",
        kind: o.hello.kind,
        gatewayNamespace: o.hello.gatewayNamespace ?? "",
        gatewayName: o.hello.gatewayName ?? "",
        version: "",
        known: [],
      },
    });
  });
}
