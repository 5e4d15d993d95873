// global-setup: vitest global setup of the "cluster" project (test files named *.cluster.test.ts):
// one real-node cluster for the whole run, shared by every file of the project, which isolate
// themselves by namespace. Runs only when the run includes such a file. When the node cannot run
// here (realNodeMissing) or fails to start, the files learn why through inject("realNode").
// Teardown stops the node and fails the run if anything is left on the host (processes, mounts,
// cgroups, the namespace, changed sysctls, new files at the kubelet's fixed paths).
// Takes the project; gives the RealNodeContext it provides. Must not: start a second node.
import type { TestProject } from "vitest/node";
import { realNodeMissing, startNodeHost } from "./node-host.ts";
import type { RealNodeContext } from "./real-node-context.ts";

const log = (line: string): void => void process.stderr.write(`real node: ${line}\n`);

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const missing = realNodeMissing();
  if (missing !== undefined) {
    project.provide("realNode", { missing } satisfies RealNodeContext);
    return undefined;
  }
  let host: Awaited<ReturnType<typeof startNodeHost>>;
  try {
    host = await startNodeHost(log);
  } catch (e) {
    project.provide("realNode", { error: e instanceof Error ? e.message : String(e) } satisfies RealNodeContext);
    return undefined;
  }
  process.env["WEFT_TEST_NETNS"] = host.layout.netnsPath;
  const t = host.info.timings;
  log(
    `up in ${t["total"]} ms (control plane ${t["controlPlane"]}, containerd ${t["containerd"]}, images ${t["imageImport"]}, node Ready ${t["nodeReady"]}, DNS ${
      t["dnsReady"]
    }); logs in ${host.info.logsDir}`,
  );
  project.provide("realNode", { info: host.info, images: host.images, netnsPath: host.layout.netnsPath } satisfies RealNodeContext);
  return async () => {
    delete process.env["WEFT_TEST_NETNS"];
    const left = await host.stop();
    if (left.length > 0) throw new Error(`real node left things on the host:\n  ${left.join("\n  ")}`);
  };
}
