// app-probe: runs one rewritten kubelet probe (pkg/util/app-probes.ts) against the app on 127.0.0.1, as
// the kubelet would have: HTTP(S) GET with the probe's headers (an HTTPS certificate is not verified, as
// the kubelet does not), success for 200–399 (redirects are not followed); TCP: the connection opens;
// gRPC: grpc.health.v1 Check answers SERVING (grpc-health-check.ts).
// Bounded by the probe's timeoutSeconds. Takes a probe; gives the status the admin endpoint answers —
// 200, the app's own failing status, or 503 when the app cannot be reached — with a one-line reason.
// Must not: reach anything but loopback, or read more of the app's answer than it needs.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { AppProbe } from "../../util/app-probes.ts";
import { grpcHealthCheck } from "./grpc-health-check.ts";

export interface ProbeResult {
  readonly status: number;
  readonly reason: string;
}

const LOOPBACK = "127.0.0.1";

export function runAppProbe(p: AppProbe): Promise<ProbeResult> {
  const ms = p.timeoutSeconds * 1000;
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number, reason: string) => {
      if (!done) {
        done = true;
        resolve({ status, reason });
      }
    };
    if (p.kind === "tcp") {
      const s = connect({ host: LOOPBACK, port: p.port });
      s.setTimeout(ms, () => {
        s.destroy();
        finish(503, `tcp ${p.port}: timed out after ${p.timeoutSeconds}s`);
      });
      s.once("connect", () => {
        s.destroy();
        finish(200, `tcp ${p.port}: connected`);
      });
      s.once("error", (e: NodeJS.ErrnoException) => finish(503, `tcp ${p.port}: ${e.code ?? "connect failed"}`));
      return;
    }
    if (p.kind === "grpc") {
      const what = `grpc ${p.port}${p.service === "" ? "" : ` ${p.service.slice(0, 80)}`}`;
      grpcHealthCheck(p.port, p.service, ms).then(
        (s) => finish(s === "SERVING" ? 200 : 503, `${what}: ${s}`),
        () => finish(503, `${what}: health check failed`),
      );
      return;
    }
    const headers: Record<string, string> = { "user-agent": "kube-probe/weft", accept: "*/*" };
    for (const h of p.headers) headers[h.name.toLowerCase()] = h.value;
    const send = p.scheme === "HTTPS" ? httpsRequest : httpRequest;
    const what = `${p.scheme.toLowerCase()} ${p.port}`;
    const req = send({ host: LOOPBACK, port: p.port, path: p.path, method: "GET", headers, agent: false, rejectUnauthorized: false, timeout: ms }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      finish(code >= 200 && code < 400 ? 200 : code >= 400 && code < 600 ? code : 503, `${what}${p.path.slice(0, 80)}: ${code}`);
      req.destroy();
    });
    req.once("timeout", () => {
      req.destroy();
      finish(503, `${what}: timed out after ${p.timeoutSeconds}s`);
    });
    req.once("error", (e: NodeJS.ErrnoException) => finish(503, `${what}: ${e.code ?? "request failed"}`));
    req.end();
  });
}
