// logger: structured JSON logs (pino) with levels and redaction. Every argument of every log call
// and every child binding passes through redaction.ts, so secrets (tokens, keys, passwords,
// cookies, CSRs, PEM private keys) never reach the output. Errors are logged as
// { type, message, stack, code } with the message and stack scrubbed. Takes a level, a name and an optional
// destination; gives a pino Logger.
// Must not: write secrets, or throw from a log call.
import { pino, type DestinationStream, type Logger } from "pino";
import { redact, scrubString } from "./redaction.ts";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Component name, e.g. "proxy", "controller", "injector". */
  readonly name?: string;
  /** Where lines go; stdout when absent. */
  readonly destination?: DestinationStream;
  /** Bindings on every line (pod, namespace, …). */
  readonly base?: Readonly<Record<string, unknown>>;
}

export type { Logger };

function redactArgs(args: unknown[]): unknown[] {
  const out = args.map((a) => redact(a));
  const first = args[0];
  if (first instanceof Error) {
    out[0] = { err: out[0] };
    if (typeof out[1] !== "string") out.splice(1, 0, scrubString(first.message));
  }
  return out;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? "info",
    base: { ...(opts.name === undefined ? {} : { name: opts.name }), ...(redact(opts.base ?? {}) as Record<string, unknown>) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
    },
    serializers: { err: (e: unknown) => e },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, redactArgs(args));
      },
    },
  };
  const logger = opts.destination === undefined ? pino(options) : pino(options, opts.destination);
  // pino serialises child bindings once, without the log hook: redact them on the way in. Children
  // inherit this method through their prototype, so grandchildren are covered too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each (grand)child logger as `this` below
  const pinoChild = logger.child as unknown as (this: Logger, b: Record<string, unknown>, o?: object) => Logger;
  const redactingChild = function(this: Logger, bindings: Record<string, unknown>, childOpts?: object): Logger {
    return pinoChild.call(this, redact(bindings) as Record<string, unknown>, childOpts);
  };
  (logger as unknown as { child: typeof redactingChild }).child = redactingChild;
  return logger;
}

/** Parses a level name from flags/env; undefined when unknown. */
export function parseLogLevel(s: string | undefined): LogLevel | undefined {
  const v = s?.toLowerCase();
  return LOG_LEVELS.find((l) => l === v);
}
