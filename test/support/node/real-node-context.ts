// real-node-context: what the cluster project's global setup hands its test files (vitest provide/inject).
// Exactly one of: `missing` (the node cannot run on this machine, with why), `error` (it should have
// started and did not), or the running node's info. Must not: carry anything but plain JSON.
import type { RealNodeInfo } from "./real-node.ts";

export interface RealNodeContext {
  readonly missing?: string;
  readonly error?: string;
  readonly info?: RealNodeInfo;
  readonly netnsPath?: string;
  readonly images?: Readonly<Record<string, { ref: string; seconds: number; cached: boolean; bytes: number }>>;
}

declare module "vitest" {
  export interface ProvidedContext {
    realNode: RealNodeContext;
  }
}
