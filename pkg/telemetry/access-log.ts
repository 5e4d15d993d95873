// access-log: one JSON line per finished request (time, method, path, status, route, backend,
// duration_ms, bytes, request_id, trace_id, peer_identity, face). Takes entries from the proxy;
// writes them through pino to a destination (stdout by default).
// Must not: log headers, bodies or secret query values (the path is scrubbed and capped).
import { pino, type DestinationStream, type Logger } from "pino";
import { scrubString } from "./redaction.ts";

export interface AccessLogEntry {
  readonly method: string;
  /** Request path with query; secret-looking query values are redacted, length capped. */
  readonly path: string;
  readonly status: number;
  /** `<kind>/<ns>/<name>` or "none". */
  readonly route: string;
  /** Cluster id, or "none". */
  readonly backend: string;
  readonly durationMs: number;
  /** Response body bytes sent. */
  readonly bytes: number;
  readonly requestId?: string;
  /** From SpanHandle.traceId; empty when tracing is off. */
  readonly traceId?: string;
  /** SPIFFE ID of the mTLS peer. */
  readonly peerIdentity?: string;
  readonly face?: string;
}

export interface AccessLog {
  log(entry: AccessLogEntry): void;
}

export const MAX_LOGGED_PATH = 1024;

/** The JSON object of one access-log line (without `time`), with the path made safe. */
export function accessLogRecord(e: AccessLogEntry): Record<string, string | number> {
  const path = e.path.length > MAX_LOGGED_PATH ? `${e.path.slice(0, MAX_LOGGED_PATH)}…` : e.path;
  const rec: Record<string, string | number> = {
    method: e.method.slice(0, 32),
    path: scrubString(path),
    status: e.status,
    route: e.route,
    backend: e.backend,
    duration_ms: Math.round(e.durationMs * 1000) / 1000,
    bytes: e.bytes,
  };
  if (e.requestId !== undefined) rec["request_id"] = e.requestId.slice(0, 128);
  if (e.traceId !== undefined && e.traceId !== "") rec["trace_id"] = e.traceId;
  if (e.peerIdentity !== undefined) rec["peer_identity"] = e.peerIdentity;
  if (e.face !== undefined) rec["face"] = e.face;
  return rec;
}

export function createAccessLog(destination?: DestinationStream): AccessLog {
  const options = {
    base: { log: "access" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const logger: Logger = destination === undefined ? pino(options) : pino(options, destination);
  return { log: (entry) => logger.info(accessLogRecord(entry)) };
}
