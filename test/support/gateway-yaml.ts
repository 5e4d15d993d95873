// gateway-yaml: the manifests every file-provider test starts from, as YAML text: Weft's GatewayClass and
// a Gateway of that class. Takes the Gateway's metadata and its listeners (YAML: a flow list, or block
// lines indented under `listeners:`); gives the two documents, ending in a newline, ready to be joined with
// `---` to the test's own documents. Must not: add anything a test did not ask for.

/** GatewayClass `weft` (controller weft.dev/gateway-controller), then Gateway `meta` of that class with `listeners`. */
export function weftGatewayYaml(meta: { name: string; namespace: string; generation?: number }, listeners: string): string {
  const generation = meta.generation === undefined ? "" : `, generation: ${meta.generation}`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: weft }
spec: { controllerName: weft.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${meta.name}, namespace: ${meta.namespace}${generation} }
spec:
  gatewayClassName: weft
  listeners:${listeners.startsWith("\n") ? "" : " "}${listeners}${listeners.endsWith("\n") ? "" : "\n"}`;
}
