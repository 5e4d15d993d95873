// coredns: the cluster DNS of the real node, as manifests: CoreDNS (built from its Go module, image
// named by tools/image/build-images.ts) serving cluster.local from the API with the kubernetes plugin,
// on the Service IP the kubelet hands pods (CLUSTER_DNS). Nothing is forwarded upstream: the node has
// no uplink, so names outside the cluster answer SERVFAIL/NXDOMAIN at once instead of timing out.
// Takes the image name; gives the manifest text. Must not: grant more than the kubernetes plugin reads.
import { CLUSTER_DNS } from "./node-layout.ts";

export function corednsManifests(image: string): string {
  return `apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
- { apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch] }
- { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 5
        }
        cache 5
        loop
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: coredns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      priorityClassName: system-cluster-critical
      containers:
      - name: coredns
        image: ${image}
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        volumeMounts: [{ name: config, mountPath: /etc/coredns, readOnly: true }]
        ports:
        - { name: dns, containerPort: 53, protocol: UDP }
        - { name: dns-tcp, containerPort: 53, protocol: TCP }
        resources: { requests: { cpu: 50m, memory: 32Mi }, limits: { memory: 128Mi } }
        securityContext:
          runAsUser: 65532
          runAsNonRoot: true
          allowPrivilegeEscalation: false
          capabilities: { drop: [ALL] }
          readOnlyRootFilesystem: true
        livenessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 10 }
        readinessProbe: { httpGet: { path: /ready, port: 8181 }, periodSeconds: 1 }
      volumes: [{ name: config, configMap: { name: coredns } }]
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  clusterIP: ${CLUSTER_DNS}
  selector: { k8s-app: kube-dns }
  ports:
  - { name: dns, port: 53, protocol: UDP }
  - { name: dns-tcp, port: 53, protocol: TCP }
`;
}
