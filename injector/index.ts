// index: the public surface of the injector — pure mutate, AdmissionReview handling, the HTTPS
// webhook server factory, the config and the JSON Patch helpers.
export type { InjectorConfig, ProxyLogLevel, ProxyResources, ProxyTracing, ResourceList } from "./injector-config.ts";
export { DEFAULT_INJECTOR_CONFIG, PROXY_LOG_LEVELS, parseInjectorConfig, validateInjectorConfig } from "./injector-config.ts";
export type { InjectionReason, InjectionReport, MutateResult } from "./mutate.ts";
export { mutate, DEFAULT_CONTAINER_ANNOTATION } from "./mutate.ts";
export { ANNOTATION, NAMESPACE_LABEL } from "./annotations.ts";
export type { NamespaceLookup, ReviewResult, ReviewOptions } from "./admission.ts";
export { reviewResponse, ADMISSION_API_VERSION, DEFAULT_MAX_BODY_BYTES } from "./admission.ts";
export type { WebhookServerOptions } from "./webhook-server.ts";
export { createWebhookServer, DEFAULT_WEBHOOK_PATH } from "./webhook-server.ts";
export type { JsonPatchOp } from "./json-patch.ts";
export { applyJsonPatch, escapePointer } from "./json-patch.ts";
export { INIT_CONTAINER, PROXY_CONTAINER, proxyTracingEnv } from "./sidecar-containers.ts";
export { workloadOf } from "./workload.ts";
