// fakes: what the stack's layers are tested against one at a time — a recording Downstream (what was
// answered, when the client leaves), a ProxyRequest over it, an Answer whose attempt records abort(), a
// recording next layer (Decide, Exchange or Dispatch) and a controllable upstream attempt. No sockets.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import type { ClusterIR, EndpointIR, MeshIR } from "../../../pkg/ir/types.ts";
import type { Downstream } from "../../../pkg/proxy/downstream.ts";
import { engineStateOf } from "../../../pkg/proxy/engine-state.ts";
import type { EngineState, RouteContext } from "../../../pkg/proxy/engine-types.ts";
import { defaultLimits, resolveLimits, type Limits } from "../../../pkg/proxy/limits.ts";
import { admitRequest } from "../../../pkg/proxy/stack/admit.ts";
import type { Dispatch, DispatchReport, Exchange, ExchangeReport, ProxyRequest, TryOutcome } from "../../../pkg/proxy/stack/request.ts";
import type { Attempt, AttemptReport, UpstreamResponse } from "../../../pkg/proxy/upstream/upstream-types.ts";

export class FakeDownstream implements Downstream {
  h2 = false;
  method = "GET";
  target = "/";
  headers: IncomingHttpHeaders = { host: "example.test" };
  rawHeaders: string[] = ["host", "example.test"];
  body: Readable = new PassThrough();
  remoteAddress = "127.0.0.1";
  status = 0;
  bytes = 0;
  grpcStatus: number | undefined;
  withBody = false;
  /** What was sent, in order: "head 200", "trailersOnly", "end", "reset", and body chunks as text. */
  readonly events: string[] = [];
  sentHeaders: OutgoingHttpHeaders | undefined;
  trailers: OutgoingHttpHeaders | undefined;
  private sent = false;
  private done = false;
  private readonly closeFns: (() => void)[] = [];
  hasBody(): boolean {
    return this.withBody;
  }
  started(): boolean {
    return this.sent || this.done;
  }
  finished(): boolean {
    return this.done;
  }
  head(status: number, headers: OutgoingHttpHeaders): void {
    if (this.started()) return;
    this.sent = true;
    this.status = status;
    this.sentHeaders = headers;
    this.events.push(`head ${status}`);
  }
  write(c: Buffer): boolean {
    this.bytes += c.length;
    this.events.push(c.toString());
    return true;
  }
  onDrain(): void {}
  end(trailers?: OutgoingHttpHeaders): void {
    if (this.done) return;
    this.done = true;
    this.trailers = trailers;
    this.events.push("end");
  }
  trailersOnly(headers: OutgoingHttpHeaders): void {
    if (this.started()) return this.reset();
    this.sent = true;
    this.done = true;
    this.sentHeaders = headers;
    this.events.push("trailersOnly");
  }
  reset(): void {
    if (this.done) return;
    this.done = true;
    this.events.push("reset");
  }
  onClose(fn: () => void): void {
    this.closeFns.push(fn);
  }
  /** The client goes away (or the exchange closed): close callbacks run. */
  close(): void {
    for (const f of this.closeFns.splice(0)) f();
  }
}

export function endpointOf(port: number, extra: Partial<EndpointIR> = {}): EndpointIR {
  return { address: "127.0.0.1", port, ready: true, serving: true, terminating: false, ...extra };
}

export function clusterOf(id: string, ports: number[], extra: Partial<ClusterIR> = {}): ClusterIR {
  return { id, namespace: "ns", service: id, port: 80, protocol: "http1", endpoints: ports.map((p) => endpointOf(p)), ...extra };
}

export function stateOf(clusters: ClusterIR[] = []): EngineState {
  const ir: MeshIR = { gateways: [], services: [], clusters, secrets: [] };
  return engineStateOf(ir, "v1");
}

export const gatewayCtx: RouteContext = { face: "gateway", routes: undefined, destinationPort: 80, scheme: "http", label: "test" };

/** A ProxyRequest as admission makes it, over a FakeDownstream shaped by `down`. */
export function requestOf(down: Partial<FakeDownstream> = {}, o: { ctx?: Partial<RouteContext>; state?: EngineState | undefined; limits?: Partial<Limits> } = {}): ProxyRequest {
  const d = Object.assign(new FakeDownstream(), down);
  const state = "state" in o ? o.state : stateOf();
  return admitRequest(d, { ...gatewayCtx, ...o.ctx }, state, o.limits === undefined ? defaultLimits : resolveLimits(o.limits), undefined);
}

export function fakeOf(req: ProxyRequest): FakeDownstream {
  return req.down as FakeDownstream;
}

/** An attempt whose abort() is recorded; `response` settles when the test says. */
export class FakeAttempt implements Attempt {
  aborted = 0;
  readonly response: Promise<UpstreamResponse>;
  resolve!: (r: UpstreamResponse) => void;
  reject!: (e: unknown) => void;
  constructor() {
    this.response = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.response.catch(() => {});
  }
  report(to: AttemptReport): void {
    this.response.then((r) => to.answer(r), (e: unknown) => to.fail(e));
  }
  abort(): void {
    this.aborted++;
  }
}

/** An upstream response with a streamed body (`body.end(...)` to finish it). */
export function responseOf(status: number, headers: IncomingHttpHeaders = {}, o: { endStream?: boolean; trailers?: IncomingHttpHeaders } = {}): UpstreamResponse & { body: PassThrough } {
  const body = new PassThrough();
  return { status, headers, body, endStream: o.endStream ?? false, trailers: () => o.trailers };
}

/** One try's answer as a fake next layer gives it: its response, its attempt, and how the try was let go. */
export interface Try {
  readonly response: UpstreamResponse & { body: PassThrough };
  readonly attempt: FakeAttempt;
  readonly outcomes: TryOutcome[];
}

export function answerOf(status: number, headers: IncomingHttpHeaders = {}): Try {
  return { response: responseOf(status, headers), attempt: new FakeAttempt(), outcomes: [] };
}

function isTry(v: unknown): v is Try {
  return typeof v === "object" && v !== null && "outcomes" in v && "attempt" in v;
}

/**
 * A next layer that records the requests it got and answers from a script: values, errors to throw, or
 * tries (the try becomes the request's current one, as the endpoint attempt makes it, and its response
 * is the answer), reported to the Dispatch's or Exchange's report it is called with.
 */
export function scripted<T>(...script: (T | Error | Try)[]): ((req: ProxyRequest, to: DispatchReport | ExchangeReport) => void) & { calls: ProxyRequest[] } {
  const calls: ProxyRequest[] = [];
  const answer = (req: ProxyRequest): Promise<T> => {
    calls.push(req);
    if (script.length === 0) return Promise.reject(new Error("script exhausted"));
    const next = script.shift();
    if (next instanceof Error) return Promise.reject(next);
    if (isTry(next)) {
      req.attempt = next.attempt;
      req.onTryEnd = (o) => next.outcomes.push(o);
      return Promise.resolve(next.response as T);
    }
    return Promise.resolve(next as T);
  };
  const f = (req: ProxyRequest, to: DispatchReport | ExchangeReport): void => {
    answer(req).then((r) => ("answer" in to ? to.answer(r as UpstreamResponse | undefined) : to.done()), (e: unknown) => to.fail(e));
  };
  return Object.assign(f, { calls });
}

/** An Exchange layer called as a promise of its report (its end, or the failure as a rejection). */
export function exchanged(layer: Exchange): (req: ProxyRequest) => Promise<void> {
  return (req) => new Promise((done, fail) => layer(req, { done, fail }));
}

/** A Dispatch layer called as a promise of its report (the answer, or the failure as a rejection). */
export function dispatched(layer: Dispatch): (req: ProxyRequest) => Promise<UpstreamResponse | undefined> {
  return (req) => new Promise((answer, fail) => layer(req, { answer, fail }));
}

/** Lets pending callbacks run: promise chains, and stream events node emits on the next tick. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
