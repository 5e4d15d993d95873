// status-types: the status translate computes and pkg/status writes. One entry per object.
// Route statuses hold only entries for our controllerName; pkg/status merges them into the live
// object without touching other controllers' entries (spec §4).
// Must not: hold behaviour.
import type { Condition } from "./meta.ts";
import type { ParentReference } from "./gateway-types.ts";

export interface StatusTarget {
  readonly kind: "GatewayClass" | "Gateway" | "HTTPRoute" | "GRPCRoute";
  readonly namespace: string; // "" for cluster-scoped GatewayClass
  readonly name: string;
  readonly generation: number;
}

export interface ListenerStatus {
  readonly name: string;
  readonly supportedKinds: readonly { readonly group: string; readonly kind: string }[];
  readonly attachedRoutes: number;
  readonly conditions: readonly Condition[];
}

export type StatusUpdate =
  | { readonly target: StatusTarget & { readonly kind: "GatewayClass" }; readonly conditions: readonly Condition[]; readonly supportedFeatures: readonly string[] }
  | {
    readonly target: StatusTarget & { readonly kind: "Gateway" };
    readonly conditions: readonly Condition[];
    readonly listeners: readonly ListenerStatus[];
    readonly addresses?: readonly { readonly type: string; readonly value: string }[];
  }
  | {
    readonly target: StatusTarget & { readonly kind: "HTTPRoute" | "GRPCRoute" };
    readonly parents: readonly { readonly parentRef: ParentReference; readonly controllerName: string; readonly conditions: readonly Condition[] }[];
  };
