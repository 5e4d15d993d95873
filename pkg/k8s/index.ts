// index: the public surface of pkg/k8s.
export type { Batch, Coalescer, CoalescerOptions } from "./coalescer.ts";
export { createCoalescer } from "./coalescer.ts";
export { createBackoff } from "./backoff.ts";
export type { Backoff, BackoffOptions } from "./backoff.ts";
export type { Log } from "./log.ts";
export { SILENT_LOG } from "./log.ts";
export type { FileProvider, FileProviderOptions } from "./file-provider.ts";
export { startFileProvider } from "./file-provider.ts";
export type { KubeClient, RequestOptions } from "./kube-client.ts";
export { createKubeClient, kubeStatusOf, MAX_RESPONSE_BYTES } from "./kube-client.ts";
export type { ResourceKind } from "./resource-kinds.ts";
export { RESOURCE_KINDS, apiPath } from "./resource-kinds.ts";
export type { WatchSource, WatchSourceOptions } from "./watch-source.ts";
export { startWatchSource, discoverVersion } from "./watch-source.ts";
export type { KubeProvider, KubeProviderOptions } from "./kube-provider.ts";
export { startKubeProvider } from "./kube-provider.ts";
export type { LeaderElection, LeaderElectionOptions } from "./leader-election.ts";
export { startLeaderElection } from "./leader-election.ts";
