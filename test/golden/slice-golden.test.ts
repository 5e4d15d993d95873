// slice-golden: the per-proxy slice from IR. Every test/golden/slice/<case>.in.yaml holds an IR and a
// proxy identity; the output is the slice pkg/distribution's sliceForProxy gives that proxy (what the
// controller sends it), compared with <case>.out.yaml through test/support/golden.ts. Key material in
// the slice is printed as given (the cases hold placeholder text, never real keys).
import { expect } from "vitest";
import { sliceForProxy, type ProxyIdentity } from "../../pkg/distribution/index.ts";
import { validateIr } from "../../pkg/ir/index.ts";
import { irGoldenSuite, readIrCase } from "./ir-golden-cases.ts";

irGoldenSuite("slice", "slice golden corpus (IR + identity → slice)", "has cases for sidecars and gateways", 3, (c) => {
  const input = readIrCase<{ proxy: ProxyIdentity }>(c, ["proxy"]);
  if ("invalid" in input) throw new Error(`${c.input}: the IR does not validate: ${input.invalid.path}: ${input.invalid.message}`);
  const slice = sliceForProxy(input.ir, input.rest.proxy);
  const checked = validateIr(slice);
  expect(checked.ok ? "valid" : checked.reason, "a slice is valid IR").toBe("valid");
  return { slice };
});
