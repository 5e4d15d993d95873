// connection-error-mark: one retry policy whether or not a backend is meshed. An inbound sidecar that
// answers a mesh peer's request with an error because its app refused, reset or timed out the
// connection before any answer byte marks that answer (`x-weft-connection-error: <kind>[; stale]`);
// the client-side proxy, which owns the route's retry policy, reads a marked answer from a meshed
// endpoint (mTLS, SPIFFE id verified) as that very connection error: for retries, balancer stats,
// metrics and the error reason it answers. The field is hop-by-hop: dropped from every request and from
// every answer relayed (hygiene), so an app can never set it.
// Takes failures, contexts and field values; gives the mark or the failure it stands for.
// Must not: trust a mark from anything but a verified mesh hop (the caller checks).
import type { IncomingHttpHeaders } from "node:http";
import type { RouteContext } from "../engine-types.ts";
import { failure, type FailureKind, ProxyFailureError } from "../rescue.ts";

export const connectionErrorField = "x-weft-connection-error";

const marked: ReadonlySet<FailureKind> = new Set<FailureKind>(["upstream_connect", "upstream_reset", "upstream_timeout"]);

const messages: Readonly<Partial<Record<FailureKind, string>>> = {
  upstream_connect: "upstream connect failed",
  upstream_reset: "upstream connection reset",
  upstream_timeout: "upstream timeout",
};

/** The inbound sidecar answers a mesh peer: its connection errors to the app are marked. */
export function marksConnectionErrors(ctx: RouteContext | undefined): boolean {
  return ctx !== undefined && ctx.face === "sidecar-inbound" && ctx.peerIdentity !== undefined;
}

/** The mark for an answer that stands for `f`, or undefined when `f` is no connection error. */
export function connectionErrorMark(f: unknown): string | undefined {
  if (!(f instanceof ProxyFailureError) || !marked.has(f.kind)) return undefined;
  return f.staleConnection ? `${f.kind}; stale` : f.kind;
}

/**
 * The mark field's value on an answer, as its header object would give it (repeats joined with ", "): read
 * from the raw name/value list when the answer has one, so an HTTP/1.1 answer (every mesh answer the
 * outbound sidecar relays) makes no header object for it.
 */
export function markFieldOf(res: { readonly rawHeaders?: readonly string[]; readonly headers: IncomingHttpHeaders }): string | string[] | undefined {
  const raw = res.rawHeaders;
  if (raw === undefined) return res.headers[connectionErrorField];
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== connectionErrorField.length || name.toLowerCase() !== connectionErrorField) continue;
    value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
  }
  return value;
}

/** The connection error a mark stands for, or undefined for a value that is no mark we set. */
export function failureOfMark(value: string | string[] | undefined): ProxyFailureError | undefined {
  if (typeof value !== "string") return undefined;
  const semi = value.indexOf(";");
  const kind = (semi === -1 ? value : value.slice(0, semi)).trim() as FailureKind;
  if (!marked.has(kind)) return undefined;
  const f = failure(kind, messages[kind]);
  if (semi !== -1 && value.slice(semi + 1).trim() === "stale") f.staleConnection = true;
  return f;
}
