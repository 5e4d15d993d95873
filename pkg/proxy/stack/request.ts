// request: one request on its way down the stack (stack.ts) and the shapes of the stack's layers.
// A ProxyRequest holds what arrived (the downstream, its connection's context, the config it started
// with), the upstream request the filters shape, what the layers decided (rule, backend, cluster) and what
// is in flight (the attempt, a place in a backend's queue) so the deadline and a leaving client can stop it.
// Two shapes of layer: a Decide layer chooses where a request goes (route, filters, weighted backend) and
// may answer it itself; an Exchange layer serves it to its end (deadline, body, mirror, relay); below the
// relay a Dispatch layer obtains one upstream answer (retry, balancer, backend caps, endpoint attempt);
// what a try holds until its answer is let go (a place on the backend, a gRPC client span) hangs on the
// request, and endTry() lets go of it.
// Must not: do I/O, or hold policy (the layers do).
import type { OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { ClusterIR, EndpointIR, RouteEntryIR, RuleIR, SessionPersistenceIR } from "../../ir/types.ts";
import type { SpanHandle } from "../../telemetry/index.ts";
import type { EndpointStats } from "../balance/endpoint-stats.ts";
import type { Downstream } from "../downstream.ts";
import type { EngineState, RouteContext } from "../engine-types.ts";
import type { BackendSlot } from "../upstream/backend-gate.ts";
import type { Attempt, UpstreamResponse, UpstreamTarget } from "../upstream/upstream-types.ts";
import type { SessionPin } from "./session-persistence.ts";

/** Where a decided request goes: its cluster (or the local app) and the exchange stack that forwards to it. */
export interface Destination {
  readonly cluster: ClusterIR | undefined;
  readonly localAppPort: number | undefined;
  /** `backend` label of metrics and spans: the cluster id, "local-app" or "none". */
  readonly label: string;
  readonly forward: Exchange;
}

/** Chooses where the request goes; undefined when a layer answered it (`req.answer`: a redirect, a CORS preflight). Throws refusals. */
export type Decide = (req: ProxyRequest) => Destination | undefined;

/** Where an Exchange reports, once: the exchange is over (answered, or ended otherwise), or a refusal or failure to rescue. */
export interface ExchangeReport {
  done(): void;
  fail(e: unknown): void;
}

/**
 * Serves the request to its end (the answer written, or the exchange over) and reports to `to` — through
 * callbacks, not a promise per exchange (on the path of every forwarded request). Must not throw.
 */
export type Exchange = (req: ProxyRequest, to: ExchangeReport) => void;

/**
 * Where a Dispatch reports, once: one upstream answer (its head; the body still to come) for the request,
 * or undefined when the exchange ended meanwhile (deadline, client gone); or a refusal or failure. Until
 * the answer is relayed or dropped the try holds what `req.endTry` lets go of.
 */
export interface DispatchReport {
  answer(res: UpstreamResponse | undefined): void;
  fail(e: unknown): void;
}

/**
 * Obtains one upstream answer for the request and reports it to `to` — through callbacks, not a promise
 * per layer: these layers are on the path of every forwarded request, where each promise hop showed in
 * the CPU and allocation per request. A report may come before the call returns. Must not throw.
 */
export type Dispatch = (req: ProxyRequest, to: DispatchReport) => void;

/** How a try's answer was let go: relayed to the client, or dropped unread (a retry on its status, an exchange already over). */
export type TryOutcome = "relayed" | "dropped";

export class ProxyRequest {
  // ---- what arrived
  readonly down: Downstream;
  readonly ctx: RouteContext;
  /** The config in force when the request arrived (the request keeps it to its end); undefined before the first. */
  readonly state: EngineState | undefined;
  readonly grpc: boolean;
  /** The server span (tracing on), or undefined. */
  readonly span: SpanHandle | undefined;
  /** Inbound sidecar serving a mesh peer: connection errors to the app are marked, never replayed here. */
  readonly marksConnectionErrors: boolean;
  /** Host for routing (Host / :authority without port, lower-cased). */
  readonly host: string;

  // ---- the upstream request (filters edit it)
  readonly method: string;
  path: string;
  readonly query: string;
  authority: string;
  readonly headers: OutgoingHttpHeaders;
  /** undefined: no body; a Buffer: replayable; a Readable: streamed once (set by the request body layer). */
  body: Buffer | Readable | undefined = undefined;

  // ---- what the layers decided
  rule: RuleIR | undefined = undefined;
  /** The route table entry that matched (its match names the route for traces). */
  entry: RouteEntryIR | undefined = undefined;
  /** `route` label of metrics and logs: "<kind>/<ns>/<name>", or "none". */
  routeLabel = "none";
  /** The destination's `backend` label once decided. */
  backendLabel = "none";
  /** The answer a layer gave the request itself (redirect, CORS preflight), for the caller to send. */
  answer: { readonly status: number; readonly headers: OutgoingHttpHeaders } | undefined = undefined;
  /** Decided and handed to the exchange stack. */
  forwarded = false;
  /** The rule's session persistence and the pin the request carried (when it names one of the rule's backends). */
  session: { readonly sp: SessionPersistenceIR; readonly pin: SessionPin | undefined } | undefined = undefined;
  /** CORS headers for the answer (the CORS filter, from the request's Origin). */
  corsHeaders: OutgoingHttpHeaders | undefined = undefined;
  /** Headers the balancer adds to the answer (a session token). */
  sessionHeaders: OutgoingHttpHeaders | undefined = undefined;

  // ---- the current try
  /** Tries sent so far (the client span's weft.attempt). */
  tries = 0;
  /** The endpoint of the current try, and its load figures. */
  endpoint: EndpointIR | undefined = undefined;
  stats: EndpointStats | undefined = undefined;
  target: UpstreamTarget | undefined = undefined;
  /** An endpoint the next choice should avoid (the one a retried try used). */
  avoid: EndpointIR | undefined = undefined;

  // ---- in flight
  /** The attempt under way (abort() stops it), and how to give up a place in a backend's queue. */
  attempt: Attempt | undefined = undefined;
  leaveQueue: (() => void) | undefined = undefined;
  /** The current try's place on its backend (backend caps), held until its answer is let go. */
  slot: BackendSlot | undefined = undefined;
  /** Ends what else the current try holds (a gRPC client span, ended once the answer was relayed). */
  onTryEnd: ((outcome: TryOutcome) => void) | undefined = undefined;

  constructor(down: Downstream, ctx: RouteContext, state: EngineState | undefined, grpc: boolean, span: SpanHandle | undefined, marks: boolean, host: string, method: string, path: string,
    query: string, authority: string, headers: OutgoingHttpHeaders)
  {
    this.down = down;
    this.ctx = ctx;
    this.state = state;
    this.grpc = grpc;
    this.span = span;
    this.marksConnectionErrors = marks;
    this.host = host;
    this.method = method;
    this.path = path;
    this.query = query;
    this.authority = authority;
    this.headers = headers;
  }

  /** The exchange is over on our side (answered, rescued by the deadline, or reset): nothing more to do. */
  over(): boolean {
    return this.down.finished();
  }

  /** Stop what the request waits on now: its place in a backend's queue, its attempt. */
  cancel(): void {
    this.leaveQueue?.();
    this.attempt?.abort();
  }

  /**
   * The current try is over (failed, or its answer relayed or dropped): let go of what it holds, once. Its
   * attempt too, unless a request body still streams into it (a body that breaks off stops it): the
   * upstream stream and what it holds need not live as long as the exchange.
   */
  endTry(outcome: TryOutcome): void {
    const body = this.body;
    if (body === undefined || Buffer.isBuffer(body) || body.readableEnded) this.attempt = undefined;
    const end = this.onTryEnd;
    this.onTryEnd = undefined;
    end?.(outcome);
    const slot = this.slot;
    this.slot = undefined;
    slot?.release();
  }

  /** Drop the current try's answer unread: stop its attempt, then let go of what the try holds. */
  dropAnswer(res: UpstreamResponse): void {
    res.body.on("error", () => {});
    this.attempt?.abort();
    this.endTry("dropped");
  }

  /** Path and query as sent upstream. */
  pathWithQuery(): string {
    return this.query === "" ? this.path : `${this.path}?${this.query}`;
  }
}
