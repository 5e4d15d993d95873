// admission-review: what the API server sends a mutating webhook, for the injector's tests: the request
// for a Pod CREATE and the AdmissionReview v1 around it, and one HTTPS call to a webhook server on
// loopback. Takes the pod object (any value: malformed ones are test cases too) and what a test changes;
// gives the JSON body / the status and body of the answer. Must not: dial anything but 127.0.0.1.
import { request } from "node:https";

/** An AdmissionReview request for a Pod CREATE in namespace "shop" (uid "u-1"); `extra` overrides fields. */
export function podCreateRequest(object: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uid: "u-1",
    kind: { group: "", version: "v1", kind: "Pod" },
    resource: { group: "", version: "v1", resource: "pods" },
    namespace: "shop",
    operation: "CREATE",
    object,
    ...extra,
  };
}

/** The AdmissionReview v1 body around `request`. */
export function admissionReview(request: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request });
}

export interface WebhookTarget {
  readonly port: number;
  /** The CA the server's certificate is verified against, and the name it must carry. */
  readonly ca: string;
  readonly servername: string;
}

/** One JSON request over TLS to 127.0.0.1:port; `body` as a string or written piece by piece. */
export function webhookCall(to: WebhookTarget, method: string, path: string, body?: string | ((write: (s: string) => boolean) => void)): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: to.port, method, path, ca: to.ca, servername: to.servername, agent: false, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    if (typeof body === "function") body((s) => req.write(s));
    else if (body !== undefined) req.write(body);
    req.end();
  });
}
