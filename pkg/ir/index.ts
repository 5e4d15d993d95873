// index: the public surface of pkg/ir — the routing IR's types, its one validator (named problem
// codes) and its canonical codec and hash. Every door config comes through uses these.
export type * from "./types.ts";
export { IR_PROBLEM_CODES, validateIr } from "./validate.ts";
export type { IrProblem, IrProblemCode, IrValidation } from "./validate.ts";
export { decodeIr, encodeIr, irHash } from "./codec.ts";
export { routeBackendClusters } from "./route-backends.ts";
