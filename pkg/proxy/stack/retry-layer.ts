// retry-layer: how many tries one request gets. With a rule's retry policy (spec §12): `attempts` is the
// most RETRIES, a hard bound (1 + attempts tries at most); a try is retried after backoffMs, on another
// endpoint when there is one, when it failed to connect, was reset or timed out (never a peer that failed
// its identity check) or answered a listed status — only with a replayable body, and only while the retry
// budget allows. Without a policy, an idempotent request whose kept-alive connection died before any
// answer byte is sent once more (RFC 9110 §9.2.2) — unless this inbound sidecar serves a mesh peer, which
// owns the policy (connection-error-mark). A refusal before any try (no cluster, no ready endpoint, a full
// backend) is never retried: another try would meet it again. Every request deposits into the budget.
// Takes the policy (or none) and the next Dispatch; gives a Dispatch.
// Must not: retry a body it cannot replay, exceed 1 + attempts tries, or go on once the exchange is over.
import type { RetryIR } from "../../ir/types.ts";
import type { Clock } from "../clock.ts";
import { ProxyFailureError, type FailureKind } from "../rescue.ts";
import type { Dispatch, DispatchReport, ProxyRequest } from "./request.ts";
import type { UpstreamResponse } from "../upstream/upstream-types.ts";
import type { RetryBudget } from "./retry-budget.ts";

export interface RetryDeps {
  readonly budget: RetryBudget;
  readonly clock: Clock;
  /** A retry the budget allowed, or one it refused (metrics). */
  readonly onRetry: (req: ProxyRequest) => void;
  readonly onBudgetExhausted: (req: ProxyRequest) => void;
}

/** Refusals that come before any try reached an endpoint. */
const beforeAnyTry: ReadonlySet<FailureKind> = new Set<FailureKind>(["unknown_cluster", "no_endpoints", "upstream_overflow"]);

/** A failure of a try itself (the only kind a retry can help with). */
function tryFailure(e: unknown): e is ProxyFailureError {
  return e instanceof ProxyFailureError && !beforeAnyTry.has(e.kind);
}

function replayable(req: ProxyRequest): boolean {
  return req.body === undefined || Buffer.isBuffer(req.body);
}

/** RFC 9110 §9.2.2: methods a client may send again after a connection failure. */
const idempotent = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** The layer with a retry policy. */
export function retryLayer(deps: RetryDeps, retry: RetryIR, next: Dispatch): Dispatch {
  const allowed = (req: ProxyRequest): boolean => {
    if (deps.budget.tryRetry(deps.clock.now())) {
      deps.onRetry(req);
      return true;
    }
    deps.onBudgetExhausted(req);
    return false;
  };
  /** Waits out the backoff before the next try; false when the exchange ended meanwhile. */
  const backoff = async (req: ProxyRequest): Promise<boolean> => {
    req.avoid = req.endpoint;
    await deps.clock.sleep(retry.backoffMs);
    return !req.over();
  };
  /** One try below, as a promise the loop awaits (only rules with a retry policy run this loop). */
  const tryOnce = (req: ProxyRequest): Promise<UpstreamResponse | undefined> => new Promise((answer, fail) => next(req, { answer, fail }));
  const tries = async (req: ProxyRequest): Promise<UpstreamResponse | undefined> => {
    deps.budget.onRequest();
    let left = retry.attempts;
    const canReplay = replayable(req);
    for (;;) {
      let res: UpstreamResponse | undefined;
      try {
        res = await tryOnce(req);
      } catch (e) {
        if (!tryFailure(e)) throw e;
        if (req.over()) return undefined;
        if (left > 0 && canReplay && e.kind !== "upstream_tls" && allowed(req)) {
          left--;
          if (await backoff(req)) continue;
          return undefined;
        }
        throw e;
      }
      if (res === undefined || req.over()) return res;
      if (left > 0 && canReplay && retry.codes.includes(res.status) && allowed(req)) {
        req.dropAnswer(res);
        left--;
        if (await backoff(req)) continue;
        return undefined;
      }
      return res;
    }
  };
  return (req, to) => {
    tries(req).then((res) => to.answer(res), (e: unknown) => to.fail(e));
  };
}

/** The layer without a retry policy: one more try after a stale kept-alive connection (when allowed). */
export function staleReplayLayer(deps: Pick<RetryDeps, "budget">, next: Dispatch): Dispatch {
  // One small object per request, not a catch handler's promise: this layer is on the path of every
  // request without a retry policy, and a promise hop per request shows in the benchmark.
  return (req, to) => {
    deps.budget.onRequest();
    next(req, new StaleReplay(req, to, !req.marksConnectionErrors && replayable(req) && idempotent.has(req.method), next));
  };
}

/** A try's report on its way up: a failed try on a stale connection is tried once more when `again`; nothing to relay once the exchange is over. */
class StaleReplay implements DispatchReport {
  private readonly req: ProxyRequest;
  private readonly to: DispatchReport;
  private again: boolean;
  private readonly next: Dispatch;

  constructor(req: ProxyRequest, to: DispatchReport, again: boolean, next: Dispatch) {
    this.req = req;
    this.to = to;
    this.again = again;
    this.next = next;
  }

  answer(res: UpstreamResponse | undefined): void {
    this.to.answer(res);
  }

  fail(e: unknown): void {
    if (!tryFailure(e)) return this.to.fail(e);
    if (this.req.over()) return this.to.answer(undefined);
    if (this.again && e.staleConnection) {
      this.again = false;
      this.next(this.req, this);
      return;
    }
    this.to.fail(e);
  }
}
