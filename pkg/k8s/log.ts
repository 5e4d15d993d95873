// log: the logging shape pkg/k8s and pkg/status write to. A pino Logger (pkg/telemetry createLogger)
// satisfies it; tests pass a recorder. Must not: receive secret values (callers log names, never data).

export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const SILENT_LOG: Log = { info() {}, warn() {}, error() {} };
