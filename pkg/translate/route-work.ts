// route-work: the per-route working record of one translate pass: each owned parentRef with its
// compiled route (Gateway or mesh context), attachment outcome and any route-type conflict.
// Must not: hold behaviour.
import type { ParentReference } from "../api/index.ts";
import type { RouteKind } from "./backend-refs.ts";
import type { Problem } from "./conditions.ts";
import type { GatewayModel } from "./listeners.ts";
import type { MeshAttachment } from "./mesh-parents.ts";
import type { GatewayAttachment } from "./parent-refs.ts";
import type { AnyRoute, CompiledRoute } from "./route-rules.ts";

export interface ParentOutcome {
  readonly pref: ParentReference;
  readonly compiled: CompiledRoute;
  readonly gateway?: GatewayModel;
  gatewayAttachment?: GatewayAttachment;
  mesh?: MeshAttachment;
  conflict?: Problem;
}

export interface RouteWork {
  readonly kind: RouteKind;
  readonly route: AnyRoute;
  readonly object: string;
  readonly tooMany?: Problem;
  readonly parents: ParentOutcome[];
}
