// admission: AdmissionReview v1 in, AdmissionReview v1 out, around the pure `mutate`.
// Takes the raw request body, the InjectorConfig and a namespace lookup; gives an HTTP status
// and a JSON body. Malformed JSON, a wrong apiVersion/kind or a missing request ⇒ 400 with a
// clear message; an oversized body ⇒ 413; a non-Pod, non-CREATE or subresource request ⇒
// allowed without a patch; a failed namespace lookup ⇒ 500 (the webhook's failurePolicy decides);
// a pod ⇒ allowed with a base64 JSONPatch when injected, and admission
// warnings (shown by kubectl) when injection was refused for a bad annotation or pod, or skipped
// for a pod that asked for it (hostNetwork, excluded namespace, Windows).
// Must not: throw, reject a pod (injection problems never block workloads), or echo the object.
// Spec: admission.k8s.io/v1 AdmissionReview (response.uid echoes request.uid; patchType JSONPatch).
import type { Namespace, Pod } from "../pkg/api/index.ts";
import { ANNOTATION } from "./annotations.ts";
import type { InjectorConfig } from "./injector-config.ts";
import { mutate, type InjectionReport } from "./mutate.ts";
import { isRecord } from "../pkg/util/is-record.ts";

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";
/** The API server sends at most ~3 MiB (object + oldObject); a bigger body is hostile. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;
const MAX_WARNING_LENGTH = 256;

export type NamespaceLookup = (name: string) => Namespace | undefined | Promise<Namespace | undefined>;

export interface ReviewResult {
  readonly httpStatus: number;
  /** JSON text. */
  readonly body: string;
  /** What mutate decided, for logs and metrics (absent when no pod was examined). */
  readonly report?: InjectionReport;
  /** The AdmissionReview uid, namespace and name (or generateName*) of the pod examined, for logs. */
  readonly subject?: { readonly uid: string; readonly namespace: string; readonly name: string };
}

export interface ReviewOptions {
  readonly maxBodyBytes?: number;
}

function errorResult(httpStatus: number, message: string): ReviewResult {
  return { httpStatus, body: JSON.stringify({ error: message }) };
}

function reviewBody(uid: string, extra: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response: { uid, allowed: true, ...extra } });
}

/** Warnings kubectl shows: every refused value, and any skip of a pod that asked for injection. */
function warningsOf(report: InjectionReport, askedFor: boolean): string[] {
  if (report.injected || report.reason === "already-injected") return [];
  if (report.problems !== undefined && report.problems.length > 0) {
    return report.problems.slice(0, 10).map((p) => `weft injection skipped (${report.reason}): ${p}`.slice(0, MAX_WARNING_LENGTH));
  }
  return askedFor ? [`weft injection skipped (${report.reason}) although the pod has ${ANNOTATION.inject}=enabled`] : [];
}

export async function reviewResponse(body: Uint8Array | string, config: InjectorConfig, nsLookup: NamespaceLookup, opts: ReviewOptions = {}): Promise<ReviewResult> {
  const max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (size > max) return errorResult(413, `AdmissionReview body of ${size} bytes exceeds the limit of ${max} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch (e) {
    return errorResult(400, `body is not valid JSON: ${e instanceof Error ? e.message.slice(0, 200) : "parse error"}`);
  }
  if (!isRecord(parsed)) return errorResult(400, "body must be a JSON object (an AdmissionReview)");
  if (parsed["apiVersion"] !== ADMISSION_API_VERSION) return errorResult(400, `apiVersion must be ${ADMISSION_API_VERSION}, got ${JSON.stringify(parsed["apiVersion"] ?? null).slice(0, 80)}`);
  if (parsed["kind"] !== "AdmissionReview") return errorResult(400, `kind must be AdmissionReview, got ${JSON.stringify(parsed["kind"] ?? null).slice(0, 80)}`);
  const request = parsed["request"];
  if (!isRecord(request)) return errorResult(400, "AdmissionReview has no request object");
  const uid = request["uid"];
  if (typeof uid !== "string" || uid === "" || uid.length > 128) return errorResult(400, "request.uid must be a non-empty string");

  const kind = isRecord(request["kind"]) ? request["kind"] : {};
  const isPod = kind["kind"] === "Pod" && (kind["group"] ?? "") === "" && request["subResource"] === undefined;
  if (!isPod || request["operation"] !== "CREATE") return { httpStatus: 200, body: reviewBody(uid, {}) };
  const object = request["object"];
  if (!isRecord(object)) return errorResult(400, "request.object must be the Pod being created");

  const nsName = typeof request["namespace"] === "string" ? request["namespace"] : "";
  let namespace: Namespace | undefined;
  try {
    namespace = nsName === "" ? undefined : await nsLookup(nsName);
  } catch {
    // Not knowing the namespace must not quietly create an unmeshed pod: answer 500 and let the
    // webhook's failurePolicy decide (Fail: the pod is retried later; Ignore: created as is).
    return errorResult(500, `namespace ${nsName.slice(0, 63)} could not be read; injection decision deferred to failurePolicy`);
  }
  const meta = isRecord(object["metadata"]) ? object["metadata"] : undefined;
  const pod = (meta !== undefined && meta["namespace"] === undefined && nsName !== "" ? { ...object, metadata: { ...meta, namespace: nsName } } : object) as unknown as Pod;
  const { patch, report } = mutate(pod, namespace, config);
  const annotations = isRecord(meta?.["annotations"]) ? meta["annotations"] : {};
  const warnings = warningsOf(report, annotations[ANNOTATION.inject] === "enabled");
  const extra: Record<string, unknown> = warnings.length > 0 ? { warnings } : {};
  if (patch.length > 0) {
    extra["patchType"] = "JSONPatch";
    extra["patch"] = Buffer.from(JSON.stringify(patch), "utf8").toString("base64");
  }
  const name = typeof meta?.["name"] === "string" ? meta["name"] : typeof meta?.["generateName"] === "string" ? `${meta["generateName"]}*` : "";
  return { httpStatus: 200, body: reviewBody(uid, extra), report, subject: { uid, namespace: nsName, name: name.slice(0, 253) } };
}
