// hold-cluster: starts the real-node cluster the tests use and keeps it until Ctrl-C (or SIGTERM), for
// looking around and debugging: prints how to run kubectl and a shell inside its network namespace and
// where the logs are. Run as root: node_modules/.bin/node test/support/node/hold-cluster.ts
// Takes nothing; gives a running cluster, then the same teardown and host check as a test run.
// Must not: return before the cluster is stopped and the host restored.
import { startNodeHost, realNodeMissing } from "./node-host.ts";

const missing = realNodeMissing();
if (missing !== undefined) {
  process.stderr.write(`hold-cluster: cannot run a real node here: ${missing}\n`);
  process.exit(1);
}
const host = await startNodeHost((line) => void process.stderr.write(`real node: ${line}\n`));
const enter = `nsenter --net=${host.layout.netnsPath} --`;
process.stdout.write([
  `real node up in ${host.info.timings["total"]} ms (${JSON.stringify(host.info.timings)})`,
  `  kubectl:   ${enter} ${host.info.kubectl} --kubeconfig=${host.info.kubeconfig} get pods -A`,
  `  a shell:   ${enter} bash   (pod IPs, ClusterIPs and the API server at 127.0.0.1:6443 are reachable there)`,
  `  logs:      ${host.info.logsDir} (kubelet, containerd, kube-proxy, kube-scheduler), control plane: ${host.info.dir}/control-plane`,
  "Ctrl-C stops it and restores the host.",
  "",
].join("\n"));
await new Promise<void>((resolve) => {
  process.once("SIGINT", () => resolve());
  process.once("SIGTERM", () => resolve());
});
const left = await host.stop();
process.stdout.write(left.length === 0 ? "stopped; the host is as it was\n" : `stopped; still on the host:\n  ${left.join("\n  ")}\n`);
process.exit(left.length === 0 ? 0 : 1);
