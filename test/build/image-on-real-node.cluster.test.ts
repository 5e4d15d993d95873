// image-on-real-node: the Weft image as scripts/build-images.sh builds it, run by a real kubelet.
// Proves: the chart installs with real Helm and that image and its controller becomes Ready; a
// Deployment in a namespace labelled weft.dev/inject=enabled gets the weft-init init container and
// the native sidecar, and its pod becomes Ready (init rules applied, sidecar ready, app probe through
// the sidecar); the installed controller hands the client's sidecar the server pod as an endpoint; a request the client app sends to a Service ClusterIP is captured by its sidecar, whose
// original destination the image's addon recovers, and reaches the server app through the server's
// sidecar over mTLS with the client's SPIFFE identity (issue 15 item 1: every captured connection was
// reset when the image lacked the addon).
// Prints one JSON line of figures: chart install, pod-with-sidecar Ready, sidecar memory (working set,
// from the kubelet's cgroup stats) at idle. Figures are reported, never asserted.
import { expect, it } from "vitest";
import { realNodeTier, sharedCluster, until } from "../support/node/shared-cluster.ts";
import { installWeft } from "../support/node/weft-install.ts";
import { mib, readyPod, workingSetBytes } from "../support/node/pod-views.ts";
import { IMAGE_REFS } from "../../tools/image/build-images.ts";

const DEMO = IMAGE_REFS.demo;

function demoDeployment(ns: string, name: string): string {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{
            name: "app",
            image: DEMO,
            imagePullPolicy: "IfNotPresent",
            args: ["/app/examples/apps/http-demo.ts", "--host", "0.0.0.0", "--port", "8080", "--service", name, "--pod", "$(POD_NAME)"],
            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 2 },
            resources: { requests: { cpu: "20m", memory: "48Mi" }, limits: { memory: "128Mi" } },
            securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          }],
        },
      },
    },
  });
}

realNodeTier.describe("the built Weft image on a real node", () => {
  it("injects init + native sidecar, the pod becomes Ready, and captured traffic crosses a ClusterIP over mTLS", async () => {
    const c = sharedCluster();
    const installMs = installWeft(c);
    const ns = c.namespace("capture", { "weft.dev/inject": "enabled" });
    const dump = (): string => c.dump(ns);
    const t0 = Date.now();
    c.kubectl(["apply", "-f", "-"], demoDeployment(ns, "server"));
    c.kubectl(["apply", "-f", "-"], demoDeployment(ns, "client"));
    c.kubectl(["-n", ns, "apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "server", namespace: ns },
      spec: { selector: { app: "server" }, ports: [{ name: "http", port: 80, targetPort: 8080, appProtocol: "http" }] },
    }));
    const server = await until("the server pod Ready", () => readyPod(c, ns, "server"), 150_000, dump);
    const readyMs = Date.now() - t0;
    const client = await until("the client pod Ready", () => readyPod(c, ns, "client"), 60_000, dump);

    const init = client.spec.initContainers ?? [];
    expect(init.map((x) => x.name)).toEqual(["weft-init", "weft-proxy"]);
    expect(init.find((x) => x.name === "weft-proxy")?.restartPolicy).toBe("Always");
    const clientSidecarLog = c.kubectl(["-n", ns, "logs", client.metadata.name, "-c", "weft-proxy"]);
    expect(clientSidecarLog).toMatch(/"originalDst":"addon"/);

    const script = `fetch("http://server.${ns}.svc.cluster.local/hello", { signal: AbortSignal.timeout(5000) })` +
      `.then(async (r) => { console.log(r.status, await r.text()); }, (e) => { console.log("error", e.cause?.code ?? e.message); process.exitCode = 1; })`;
    const config = await until("the server pod's IP as a ready endpoint in the client sidecar's config", () => {
      const out = c.kubectl(["-n", ns, "exec", client.metadata.name, "-c", "app", "--", "node", "-e", `fetch("http://127.0.0.1:15020/config").then(async (r) => console.log(await r.text()))`],
        undefined, 30_000);
      return out.includes(`"${server.status?.podIP}"`) ? out : undefined;
    }, 30_000, dump);
    expect(config).toContain(`${ns}/server`);

    const answer = await until("an answer from the server through both sidecars", () => {
      const out = c.kubectl(["-n", ns, "exec", client.metadata.name, "-c", "app", "--", "node", "-e", script], undefined, 30_000);
      return out.startsWith("200 ") ? out : undefined;
    }, 60_000, dump);
    const body = JSON.parse(answer.slice(4)) as { service: string; pod: string; path: string };
    expect(body).toMatchObject({ service: "server", pod: server.metadata.name, path: "/hello" });

    const serverSidecarLog = await until("the server sidecar's inbound mTLS log line", () => {
      const log = c.kubectl(["-n", ns, "logs", server.metadata.name, "-c", "weft-proxy"]);
      return log.split("\n").find((l) => l.includes("inbound.mtls"));
    }, 10_000, dump);
    expect(serverSidecarLog).toContain(`"peerIdentity":"spiffe://cluster.local/ns/${ns}/sa/default"`);
    expect(clientSidecarLog + c.kubectl(["-n", ns, "logs", client.metadata.name, "-c", "weft-proxy"])).not.toMatch(/outbound\.refused|original-dst\.failed/);

    const memory = workingSetBytes(c, ns, server.metadata.name, "weft-proxy");
    process.stdout.write(`${
      JSON.stringify({
        figure: "real-node-pod",
        chartInstallMs: installMs,
        podWithSidecarReadyMs: readyMs,
        sidecarWorkingSetMiB: mib(memory),
        clusterStartMs: c.info.timings["total"],
        clusterTimings: c.info.timings,
      })
    }\n`);
  }, 300_000);
});
