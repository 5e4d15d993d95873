// deadline-layer: bounds the whole exchange, retries included (spec §11 `request`: 504; a gRPC request's
// `grpc-timeout` too, whichever is shorter: DEADLINE_EXCEEDED). When the deadline passes it stops what is
// in flight (a place in a backend's queue, the attempt) and answers; when the client leaves first it stops
// them too. Every layer below checks `req.over()` after each wait, so nothing goes on after either.
// Takes the clock, the rule's request timeout (undefined: none), the timeout callback (metrics) and the
// next Exchange; gives an Exchange. Must not: answer twice (rescue answers once), or outlive the exchange.
import type { Clock } from "../clock.ts";
import { parseGrpcTimeout } from "../grpc-status.ts";
import { failure, rescue } from "../rescue.ts";
import type { Exchange, ProxyRequest } from "./request.ts";

export function deadlineLayer(clock: Clock, requestMs: number | undefined, onTimeout: (req: ProxyRequest) => void, next: Exchange): Exchange {
  return (req, to) => {
    const down = req.down;
    let ms = requestMs;
    if (req.grpc) {
      const g = parseGrpcTimeout(down.headers["grpc-timeout"] as string | undefined);
      if (g !== undefined && (ms === undefined || g < ms)) ms = g;
    }
    let stop: (() => void) | undefined;
    if (ms !== undefined && ms > 0) {
      stop = clock.after(ms, () => {
        req.cancel();
        rescue(down, failure("request_timeout", "request timeout"), req.grpc);
        onTimeout(req);
      });
    }
    down.onClose(() => {
      stop?.();
      req.leaveQueue?.();
      // A client gone before the answer was over: stop the attempt (an h1 exchange is finished by then).
      if (!down.finished() || down.left === true) req.attempt?.abort();
    });
    if (stop === undefined) return next(req, to);
    const cancel = stop;
    next(req, {
      done: () => {
        cancel();
        to.done();
      },
      fail: (e) => {
        cancel();
        to.fail(e);
      },
    });
  };
}
