// http-load: bounded HTTP load for real-node tests, from the test process (inside the node's network
// namespace) to a Gateway's or a pod's address. request() does one GET (a new connection with agent
// false) and gives the status and body; load() runs sequential requests until stopped, at most `max`
// requests and `ms` milliseconds, and counts what failed (transport errors or a status other than 200,
// or what `check` refuses).
// Must not: send anywhere but the address it is given, or run unbounded.
import { get as httpGet, type Agent } from "node:http";

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export function request(url: string, agent: Agent | false, headers: Readonly<Record<string, string>> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent, timeout: 5_000, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

export interface LoadResult {
  readonly ok: number;
  readonly failed: readonly string[];
  /** Answers that passed, in order (bodies kept only with keepBodies). */
  readonly bodies: readonly string[];
}

export interface Load {
  stop(): Promise<LoadResult>;
}

/** Sequential requests until stop() (bounded: at most `max` requests, `ms` milliseconds); counts failures. */
export function load(url: string, agent: Agent | false, max: number, ms: number, o: { check?: (a: Answer) => string | undefined; keepBodies?: boolean } = {}): Load {
  let stopped = false;
  const failed: string[] = [];
  const bodies: string[] = [];
  let ok = 0;
  const end = Date.now() + ms;
  const done = (async () => {
    for (let i = 0; i < max && !stopped && Date.now() < end; i++) {
      try {
        const a = await request(url, agent);
        const problem = a.status !== 200 ? `HTTP ${a.status}` : o.check?.(a);
        if (problem === undefined) {
          ok++;
          if (o.keepBodies === true) bodies.push(a.body);
        } else failed.push(problem);
      } catch (e) {
        failed.push(errorText(e));
      }
    }
  })();
  return { stop: async () => {
    stopped = true;
    await done;
    return { ok, failed, bodies };
  } };
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${(e as NodeJS.ErrnoException).code ?? ""} ${e.message}`.trim() : String(e);
}

export interface PacedResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Why requests failed: "HTTP <status>" or the transport error's code and message, with counts (empty when none). */
  readonly failedBy: Readonly<Record<string, number>>;
  /** Answers (ok or not) per second over the run. */
  readonly answeredPerSecond: number;
}

/**
 * GETs at a fixed rate (open loop: request i is due at i/rate s) over `agent` for `ms` milliseconds, with
 * at most `maxInflight` outstanding (a due request waits for a free slot). Bounded: at most rate*ms/1000
 * requests, and it gives up waiting for answers 10 s after the last one was due.
 */
export function pacedLoad(url: string, agent: Agent, rate: number, ms: number, maxInflight = 64): Promise<PacedResult> {
  const total = Math.floor((rate * ms) / 1000);
  const start = Date.now();
  let sent = 0, ok = 0, failed = 0, inflight = 0;
  const failedBy: Record<string, number> = {};
  let finished = false;
  const fail = (why: string): void => {
    if (finished) return; // a request cut off when the caller destroys its agent after the run
    failed++;
    failedBy[why] = (failedBy[why] ?? 0) + 1;
  };
  return new Promise((resolve) => {
    const finish = (): void => {
      finished = true;
      clearInterval(tick);
      resolve({ sent, ok, failed, failedBy: { ...failedBy }, answeredPerSecond: Math.round(((ok + failed) * 1000) / Math.max(1, Date.now() - start)) });
    };
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000));
      while (sent < due && inflight < maxInflight) {
        sent++;
        inflight++;
        request(url, agent).then((a) => (a.status === 200 ? ok++ : fail(`HTTP ${a.status} ${a.body.slice(0, 80).trim()}`)), (e: unknown) => fail(errorText(e))).finally(() => {
          inflight--;
        });
      }
      if ((sent === total && inflight === 0) || Date.now() - start > ms + 10_000) finish();
    }, 5);
  });
}
