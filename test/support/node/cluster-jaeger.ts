// cluster-jaeger: the in-cluster Jaeger recipe, examples/jaeger/jaeger.yaml, deployed as-is on the shared
// real-node cluster but for its image: the node cannot pull jaegertracing/jaeger, so the Deployment runs the
// Go-module build of the same release (IMAGE_REFS.jaeger, tools/image/build-images.ts). The installed Weft
// exports to it at TRACE_ENDPOINT, the address the docs tell a user to set.
// Takes the SharedCluster; gives applyExampleJaeger() (kubectl apply, no wait), exampleJaeger() (waits until
// its query API answers; gives a JaegerApi on the Service's cluster IP and its OTLP/HTTP address) and
// deleteExampleJaeger().
// Must not: change anything in the example but the image reference.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGE_REFS } from "../../../tools/image/build-images.ts";
import { repoRoot } from "../../../tools/toolset.ts";
import { jaegerApi, type JaegerApi } from "../jaeger.ts";
import { until, type SharedCluster } from "./shared-cluster.ts";

export const EXAMPLE_JAEGER = join(repoRoot, "examples/jaeger/jaeger.yaml");
const NAMESPACE = "observability";
/** Where Weft's proxies send OTLP/gRPC spans: the example's Service, as docs/jaeger.md has users set it. */
export const TRACE_ENDPOINT = `http://jaeger.${NAMESPACE}:4317`;

/** The example's manifest with its one image reference replaced by `image`. */
export function exampleJaegerManifest(image: string): string {
  const text = readFileSync(EXAMPLE_JAEGER, "utf8");
  const line = /^([ \t]*image:[ \t]*)\S+[ \t]*$/gm;
  const found = text.match(line)?.length ?? 0;
  if (found !== 1) throw new Error(`${EXAMPLE_JAEGER}: expected one image reference, found ${found}`);
  return text.replace(line, (_all, head: string) => `${head}${image}`);
}

export function applyExampleJaeger(c: SharedCluster): void {
  c.kubectl(["apply", "-f", "-"], exampleJaegerManifest(IMAGE_REFS.jaeger));
}

export interface ClusterJaeger extends JaegerApi {
  /** The Service's OTLP/HTTP address (sendClientSpan). */
  readonly otlpHttp: string;
}

/** Waits (up to timeoutMs) until the example's Deployment is Available and its query API answers through the Service. */
export async function exampleJaeger(c: SharedCluster, timeoutMs = 120_000): Promise<ClusterJaeger> {
  const dump = (): string => c.dump(NAMESPACE);
  await until("Deployment observability/jaeger Available", () => {
    const d = JSON.parse(c.kubectl(["-n", NAMESPACE, "get", "deployment", "jaeger", "-o", "json"])) as { status?: { availableReplicas?: number } };
    return (d.status?.availableReplicas ?? 0) >= 1 ? true : undefined;
  }, timeoutMs, dump);
  const ip = c.kubectl(["-n", NAMESPACE, "get", "service", "jaeger", "-o", "jsonpath={.spec.clusterIP}"]).trim();
  const api = jaegerApi(`http://${ip}:16686`);
  await until("Jaeger's query API through Service observability/jaeger", async () => ((await api.services().catch(() => undefined)) !== undefined ? true : undefined), 30_000, dump);
  return { ...api, otlpHttp: `http://${ip}:4318` };
}

export function deleteExampleJaeger(c: SharedCluster): void {
  c.kubectl(["delete", "namespace", NAMESPACE, "--wait=false", "--ignore-not-found"]);
}
