// demo-app: the demo HTTP app (examples/apps/http-demo.ts in the demo image) as a Service and Deployment
// on the real node, for the tests that need plain pods behind a Service: port 80 → 8080, ready when / answers,
// its answers naming the Service and the pod. Takes the namespace, the name (Service, Deployment, app label,
// container), the replica count and an optional container securityContext; gives the kubectl List as JSON.
// Must not: choose a namespace or apply anything (the test does).
import { IMAGE_REFS } from "../../../tools/image/build-images.ts";

export function demoApp(ns: string, name: string, replicas: number, securityContext?: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: ns },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [{
                name,
                image: IMAGE_REFS.demo,
                imagePullPolicy: "IfNotPresent",
                args: ["/app/examples/apps/http-demo.ts", "--host", "0.0.0.0", "--port", "8080", "--service", name, "--pod", "$(POD_NAME)"],
                env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "96Mi" } },
                ...(securityContext !== undefined ? { securityContext } : {}),
              }],
            },
          },
        },
      },
    ],
  });
}
