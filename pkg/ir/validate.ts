// validate: the one validator of the routing IR, used by every door config comes through — the
// distribution client (a slice from the controller), `weft proxy --config` (a file), `weftctl
// proxy-config` (a live proxy's /config) — and as translate's post-condition in its property tests.
// Takes an unknown value; gives { ok: true, ir } or { ok: false, problem, reason }: the first problem
// found, with a named code (IR_PROBLEM_CODES), the path to it and a message; `reason` is
// "<path>: <message>" (it travels back to the controller in a NACK).
// Checks shapes, bounds (ports, weights, rule indices, counts, backend limits) and that every
// cluster and secret the IR references is present in it. Semantics (precedence, conditions)
// belong to translate.
// Must not: throw on any input, or echo secret material (key PEM) in a problem.
import type { MeshIR } from "./types.ts";

/** Every problem the validator names, with what it means. */
export const IR_PROBLEM_CODES = {
  NotAnObject: "an object was expected",
  NotAnArray: "an array was expected",
  TooManyItems: `an array holds more than the IR allows (${100_000} items)`,
  NotAString: "a string was expected",
  NotABoolean: "a boolean was expected",
  OutOfRange: "an integer outside its allowed range, or not an integer",
  UnknownValue: "a value outside its enumeration (protocol, kind, match type)",
  Duplicate: "two entries with the same identity (cluster id, secret id, Service name)",
  DanglingReference: "a reference to a cluster or secret the IR does not hold",
  NoCertificate: "a trust bundle without a PEM certificate",
  TooLarge: "a trust bundle larger than the IR allows",
  NotJson: "the text is not JSON",
  ValidatorError: "the validator itself failed (a bug): the value is refused",
} as const;

export type IrProblemCode = keyof typeof IR_PROBLEM_CODES;

export interface IrProblem {
  readonly code: IrProblemCode;
  /** Where, e.g. "services[0].ports[1].consumers.shop.http.rules[0].backends[0].cluster". */
  readonly path: string;
  readonly message: string;
}

export type IrValidation =
  | { readonly ok: true; readonly ir: MeshIR }
  | { readonly ok: false; readonly problem: IrProblem; readonly reason: string };

const MAX_ITEMS = 100_000;
const MAX_TRUST_BYTES = 1024 * 1024;

class Invalid extends Error {
  readonly problem: IrProblem;
  constructor(problem: IrProblem) {
    super(`${problem.path}: ${problem.message}`);
    this.problem = problem;
  }
}

function fail(path: string, code: IrProblemCode, message: string): never {
  throw new Invalid({ code, path, message });
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(path, "NotAnObject", "expected object");
  return v as Obj;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, "NotAnArray", "expected array");
  if (v.length > MAX_ITEMS) fail(path, "TooManyItems", `more than ${MAX_ITEMS} items`);
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== "string") fail(path, "NotAString", "expected string");
  return v;
}
function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(path, "OutOfRange", `expected integer in [${min}, ${max}]`);
  return v;
}
function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, "NotABoolean", "expected boolean");
  return v;
}
function optStr(v: unknown, path: string): void {
  if (v !== undefined) str(v, path);
}
function oneOf(v: unknown, path: string, values: readonly string[], message: string): void {
  if (!values.includes(v as string)) fail(path, "UnknownValue", message);
}

export function validateIr(value: unknown): IrValidation {
  try {
    checkIr(value);
    return { ok: true, ir: value as MeshIR };
  } catch (e) {
    const problem: IrProblem = e instanceof Invalid ?
      e.problem
      : { code: "ValidatorError", path: "ir", message: `${e instanceof Error ? e.name : "error"} during validation` };
    return { ok: false, problem, reason: `${problem.path}: ${problem.message}` };
  }
}

function checkIr(value: unknown): void {
  const s = obj(value, "slice");
  const clusterIds = new Set<string>();
  arr(s["clusters"], "clusters").forEach((c, i) => {
    const id = checkCluster(c, `clusters[${i}]`);
    if (clusterIds.has(id)) fail(`clusters[${i}].id`, "Duplicate", `duplicate cluster ${JSON.stringify(id)}`);
    clusterIds.add(id);
  });
  if (s["trust"] !== undefined) {
    const pem = str(obj(s["trust"], "trust")["rootsPem"], "trust.rootsPem");
    if (pem.length > MAX_TRUST_BYTES) fail("trust.rootsPem", "TooLarge", `longer than ${MAX_TRUST_BYTES} characters`);
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) fail("trust.rootsPem", "NoCertificate", "holds no PEM certificate");
  }
  const secretIds = new Set<string>();
  arr(s["secrets"], "secrets").forEach((x, i) => {
    const o = obj(x, `secrets[${i}]`);
    const id = str(o["id"], `secrets[${i}].id`);
    str(o["certPem"], `secrets[${i}].certPem`);
    str(o["keyPem"], `secrets[${i}].keyPem`);
    if (secretIds.has(id)) fail(`secrets[${i}].id`, "Duplicate", "duplicate secret");
    secretIds.add(id);
  });
  const ctx = { clusterIds };
  const names = new Set<string>();
  arr(s["services"], "services").forEach((x, i) => {
    const p = `services[${i}]`;
    const o = obj(x, p);
    const key = `${str(o["namespace"], `${p}.namespace`)}/${str(o["name"], `${p}.name`)}`;
    if (names.has(key)) fail(p, "Duplicate", `duplicate service ${key}`);
    names.add(key);
    arr(o["clusterIPs"], `${p}.clusterIPs`).forEach((ip, j) => str(ip, `${p}.clusterIPs[${j}]`));
    arr(o["ports"], `${p}.ports`).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const po = obj(port, pp);
      int(po["port"], `${pp}.port`, 1, 65535);
      optStr(po["name"], `${pp}.name`);
      optStr(po["appProtocol"], `${pp}.appProtocol`);
      checkClusterRef(po["cluster"], `${pp}.cluster`, ctx);
      if (po["producer"] !== undefined) checkTables(po["producer"], `${pp}.producer`, ctx);
      const consumers = obj(po["consumers"], `${pp}.consumers`);
      for (const [ns, t] of Object.entries(consumers)) checkTables(t, `${pp}.consumers.${ns}`, ctx);
    });
  });
  arr(s["gateways"], "gateways").forEach((x, i) => {
    const p = `gateways[${i}]`;
    const o = obj(x, p);
    str(o["namespace"], `${p}.namespace`);
    str(o["name"], `${p}.name`);
    arr(o["ports"], `${p}.ports`).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const po = obj(port, pp);
      int(po["port"], `${pp}.port`, 1, 65535);
      protocol(po["protocol"], `${pp}.protocol`);
      arr(po["listeners"], `${pp}.listeners`).forEach((l, k) => {
        const lp = `${pp}.listeners[${k}]`;
        const lo = obj(l, lp);
        str(lo["id"], `${lp}.id`);
        str(lo["name"], `${lp}.name`);
        optStr(lo["hostname"], `${lp}.hostname`);
        protocol(lo["protocol"], `${lp}.protocol`);
        arr(lo["certificates"], `${lp}.certificates`).forEach((c, m) => {
          const id = str(c, `${lp}.certificates[${m}]`);
          if (!secretIds.has(id)) fail(`${lp}.certificates[${m}]`, "DanglingReference", `secret ${JSON.stringify(id)} not in slice`);
        });
        checkTables(lo["routes"], `${lp}.routes`, ctx);
      });
    });
  });
}

function protocol(v: unknown, path: string): void {
  oneOf(v, path, ["HTTP", "HTTPS"], "expected HTTP or HTTPS");
}

function checkCluster(v: unknown, p: string): string {
  const o = obj(v, p);
  const id = str(o["id"], `${p}.id`);
  str(o["namespace"], `${p}.namespace`);
  str(o["service"], `${p}.service`);
  int(o["port"], `${p}.port`, 1, 65535);
  oneOf(o["protocol"], `${p}.protocol`, ["http1", "h2c", "grpc", "ws", "tcp"], "unknown protocol");
  arr(o["endpoints"], `${p}.endpoints`).forEach((e, i) => {
    const ep = `${p}.endpoints[${i}]`;
    const eo = obj(e, ep);
    str(eo["address"], `${ep}.address`);
    int(eo["port"], `${ep}.port`, 1, 65535);
    bool(eo["ready"], `${ep}.ready`);
    bool(eo["serving"], `${ep}.serving`);
    bool(eo["terminating"], `${ep}.terminating`);
    optStr(eo["zone"], `${ep}.zone`);
    optStr(eo["identity"], `${ep}.identity`);
  });
  if (o["limits"] !== undefined) {
    const lo = obj(o["limits"], `${p}.limits`);
    for (const k of ["maxConnections", "maxPendingRequests", "maxRequests"]) if (lo[k] !== undefined) int(lo[k], `${p}.limits.${k}`, 1, 1_000_000);
  }
  return id;
}

interface Ctx {
  readonly clusterIds: ReadonlySet<string>;
}

function checkClusterRef(v: unknown, path: string, ctx: Ctx): void {
  const id = str(v, path);
  if (!ctx.clusterIds.has(id)) fail(path, "DanglingReference", `cluster ${JSON.stringify(id)} not in slice`);
}

function checkTables(v: unknown, p: string, ctx: Ctx): void {
  const o = obj(v, p);
  checkTable(o["http"], `${p}.http`, "http", ctx);
  checkTable(o["grpc"], `${p}.grpc`, "grpc", ctx);
}

function checkTable(v: unknown, p: string, kind: "http" | "grpc", ctx: Ctx): void {
  const o = obj(v, p);
  oneOf(o["kind"], `${p}.kind`, [kind], `expected ${kind}`);
  const rules = arr(o["rules"], `${p}.rules`);
  rules.forEach((r, i) => checkRule(r, `${p}.rules[${i}]`, ctx));
  arr(o["entries"], `${p}.entries`).forEach((e, i) => {
    const ep = `${p}.entries[${i}]`;
    const eo = obj(e, ep);
    arr(eo["hostnames"], `${ep}.hostnames`).forEach((h, j) => str(h, `${ep}.hostnames[${j}]`));
    int(eo["rule"], `${ep}.rule`, 0, rules.length - 1);
    int(eo["matchIndex"], `${ep}.matchIndex`, 0, MAX_ITEMS);
    const m = obj(eo["match"], `${ep}.match`);
    if (m["kind"] === "http") {
      const path = obj(m["path"], `${ep}.match.path`);
      oneOf(path["type"], `${ep}.match.path.type`, ["Exact", "PathPrefix", "RegularExpression"], "unknown type");
      str(path["value"], `${ep}.match.path.value`);
      checkStringMatches(m["headers"], `${ep}.match.headers`);
      checkStringMatches(m["queryParams"], `${ep}.match.queryParams`);
      optStr(m["method"], `${ep}.match.method`);
    } else if (m["kind"] === "grpc") {
      checkStringMatches(m["headers"], `${ep}.match.headers`);
    } else {
      fail(`${ep}.match.kind`, "UnknownValue", "expected http or grpc");
    }
  });
}

function checkStringMatches(v: unknown, p: string): void {
  arr(v, p).forEach((x, i) => {
    const o = obj(x, `${p}[${i}]`);
    oneOf(o["type"], `${p}[${i}].type`, ["Exact", "RegularExpression"], "unknown type");
    str(o["name"], `${p}[${i}].name`);
    str(o["value"], `${p}[${i}].value`);
  });
}

function checkRule(v: unknown, p: string, ctx: Ctx): void {
  const o = obj(v, p);
  str(o["id"], `${p}.id`);
  const route = obj(o["route"], `${p}.route`);
  oneOf(route["kind"], `${p}.route.kind`, ["HTTPRoute", "GRPCRoute"], "unknown kind");
  str(route["namespace"], `${p}.route.namespace`);
  str(route["name"], `${p}.route.name`);
  int(route["generation"], `${p}.route.generation`, 0, Number.MAX_SAFE_INTEGER);
  int(o["ruleIndex"], `${p}.ruleIndex`, 0, MAX_ITEMS);
  checkFilters(o["filters"], `${p}.filters`, ctx);
  obj(o["timeouts"], `${p}.timeouts`);
  arr(o["backends"], `${p}.backends`).forEach((b, i) => {
    const bp = `${p}.backends[${i}]`;
    const bo = obj(b, bp);
    int(bo["weight"], `${bp}.weight`, 0, 1_000_000);
    if (bo["kind"] === "cluster") {
      checkClusterRef(bo["cluster"], `${bp}.cluster`, ctx);
      checkFilters(bo["filters"], `${bp}.filters`, ctx);
    } else if (bo["kind"] === "invalid") {
      str(bo["reason"], `${bp}.reason`);
    } else {
      fail(`${bp}.kind`, "UnknownValue", "expected cluster or invalid");
    }
  });
}

function checkFilters(v: unknown, p: string, ctx: Ctx): void {
  arr(v, p).forEach((f, i) => {
    const fo = obj(f, `${p}[${i}]`);
    const type = str(fo["type"], `${p}[${i}].type`);
    if (type === "RequestMirror") checkClusterRef(fo["cluster"], `${p}[${i}].cluster`, ctx);
  });
}
