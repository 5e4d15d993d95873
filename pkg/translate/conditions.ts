// conditions: takes a condition type/status/reason/message and a generation, gives the Condition
// objects translate puts in status; the reasons they may carry are the constants of reasons.ts.
// Conditions carry no lastTransitionTime: pkg/status sets it when it merges.
// Must not: decide WHEN a condition applies; callers do.
import type { Condition } from "../api/index.ts";
import type { ConditionReason, RouteReason } from "./reasons.ts";

export type { RouteReason } from "./reasons.ts";

export type ConditionStatus = "True" | "False" | "Unknown";

/** A problem found while translating: the reason it maps to and a precise human message. */
export interface Problem {
  readonly reason: RouteReason;
  readonly message: string;
}

/** Condition messages are capped (Kubernetes allows 32,768; hostile names must not bloat status). */
export const MAX_MESSAGE_LENGTH = 2048;

export function capMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

export function condition(type: string, status: ConditionStatus, reason: ConditionReason, message: string, generation: number): Condition {
  return { type, status, reason, message: capMessage(message), observedGeneration: generation };
}

/** metadata.generation, defaulting to 1 when absent or nonsensical (task rule). */
export function generationOf(meta: { readonly generation?: number }): number {
  const g = meta.generation;
  return typeof g === "number" && Number.isSafeInteger(g) && g > 0 ? g : 1;
}

/** Joins many problem messages into one bounded condition message (status messages stay small). */
export function joinMessages(messages: readonly string[], max = 8): string {
  if (messages.length <= max) return messages.join("; ");
  return `${messages.slice(0, max).join("; ")}; and ${messages.length - max} more`;
}
