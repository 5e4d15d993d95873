// weftctl inject: offline injection of a multi-document manifest — Namespace labels from the
// input, --namespace-labels for the rest, every workload kind's pod template, other documents
// untouched, output parseable and idempotent; and the real CLI as a child process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { injectManifests } from "../../pkg/weftctl/inject-manifests.ts";
import { parseInjectFlags } from "../../pkg/weftctl/inject-options.ts";
import { DEFAULT_INJECTOR_CONFIG } from "../../injector/index.ts";

const manifest = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {weft.dev/inject: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {ports: [{port: 9080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews, namespace: shop}
spec: {template: {metadata: {labels: {app: reviews}}, spec: {containers: [{name: app, image: r:1}]}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec: {template: {spec: {containers: [{name: db, image: d:1}]}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec: {template: {spec: {hostNetwork: true, containers: [{name: agent, image: a:1}]}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: other}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: job, image: j:1}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec: {schedule: "0 0 * * *", jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: job, image: j:1}]}}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: shop}
spec: {containers: [{name: solo, image: s:1}]}
`;

const opts = { config: DEFAULT_INJECTOR_CONFIG, namespaceLabels: { "weft.dev/inject": "enabled" }, defaultNamespace: "default" };

function initNames(t: any): string[] {
  return (t?.spec?.initContainers ?? []).map((c: { name: string }) => c.name);
}

describe("injectManifests", () => {
  it("injects every workload kind's template per its namespace and leaves other documents alone", () => {
    const r = injectManifests(manifest, "m.yaml", { ...opts, namespaceLabels: {} });
    expect(r.errors).toEqual([]);
    const docs = parseAllDocuments(r.output).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(["Namespace", "Service", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"]);
    expect(docs[1]).toEqual({ apiVersion: "v1", kind: "Service", metadata: { name: "reviews", namespace: "shop" }, spec: { ports: [{ port: 9080 }] } });
    expect(initNames(docs[2].spec.template)).toEqual(["weft-init", "weft-proxy"]);
    expect(docs[2].spec.template.metadata.labels).toEqual({ app: "reviews" });
    expect(initNames(docs[3].spec.template)).toEqual(["weft-init", "weft-proxy"]);
    expect(initNames(docs[4].spec.template)).toEqual([]);
    expect(initNames(docs[5].spec.template)).toEqual([]);
    expect(initNames(docs[6].spec.jobTemplate.spec.template)).toEqual([]);
    expect(initNames(docs[7])).toEqual(["weft-init", "weft-proxy"]);
    expect(r.reports.map((x) => `${x.object}=${x.report.reason}`)).toEqual([
      "Deployment shop/reviews=enabled-by-namespace-label",
      "StatefulSet shop/db=enabled-by-namespace-label",
      "DaemonSet shop/agent=host-network",
      "Job other/once=namespace-not-enabled",
      "CronJob default/nightly=namespace-not-enabled",
      "Pod shop/solo=enabled-by-namespace-label",
    ]);
  });

  it("uses --namespace-labels for namespaces not in the input, and is idempotent", () => {
    const first = injectManifests(manifest, "m.yaml", opts);
    const docs = parseAllDocuments(first.output).map((d) => d.toJS());
    expect(initNames(docs[5].spec.template)).toEqual(["weft-init", "weft-proxy"]);
    expect(initNames(docs[6].spec.jobTemplate.spec.template)).toEqual(["weft-init", "weft-proxy"]);
    const second = injectManifests(first.output, "m2.yaml", opts);
    expect(second.output).toBe(first.output);
    expect(second.reports.filter((x) => x.report.injected)).toEqual([]);
  });

  it("keeps comments and formatting of the input and adds the same content as the JSON patch", () => {
    const commented = [
      "# reviews service, owned by team-a",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: reviews # stable name",
      "  namespace: shop",
      "spec:",
      "  replicas: 3 # scaled by HPA",
      "  template:",
      "    metadata:",
      "      labels: {app: reviews}",
      "    spec:",
      "      containers:",
      "        # the app itself",
      "        - name: app",
      "          image: r:1",
      "",
    ].join("\n");
    const r = injectManifests(commented, "c.yaml", opts);
    expect(r.reports[0]?.report.injected).toBe(true);
    for (const c of ["# reviews service, owned by team-a", "name: reviews # stable name", "replicas: 3 # scaled by HPA", "# the app itself", "labels: { app: reviews }"]) expect(r.output).toContain(c);
    const plain = injectManifests(commented.replace(/ *#.*$/gm, ""), "p.yaml", opts);
    expect(parseAllDocuments(r.output).map((d) => d.toJS())).toEqual(parseAllDocuments(plain.output).map((d) => d.toJS()));
    expect(initNames(parseAllDocuments(r.output)[0]!.toJS().spec.template)).toEqual(["weft-init", "weft-proxy"]);
  });

  it("falls back to re-emitting a document that uses YAML aliases, with the same result", () => {
    const aliased =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop, labels: &l {app: a}, annotations: {copy: x}}\nspec:\n  containers: [{name: app, image: a:1}]\n  nodeSelector: *l\n";
    const r = injectManifests(aliased, "a.yaml", opts);
    const pod = parseAllDocuments(r.output)[0]!.toJS();
    expect(initNames(pod)).toEqual(["weft-init", "weft-proxy"]);
    expect(pod.spec.nodeSelector).toEqual({ app: "a" });
  });

  it("injects the workloads inside a v1 List (kubectl get -o yaml output)", () => {
    const list = JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "a", namespace: "shop" }, spec: { template: { spec: { containers: [{ name: "app", image: "a:1" }] } } } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "shop" }, data: { k: "v" } },
        { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "shop" }, spec: { containers: [{ name: "app", image: "p:1" }] } },
      ],
    });
    const r = injectManifests(list, "list.json", opts);
    const out = parseAllDocuments(r.output)[0]!.toJS();
    expect(initNames(out.items[0].spec.template)).toEqual(["weft-init", "weft-proxy"]);
    expect(out.items[1]).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "shop" }, data: { k: "v" } });
    expect(initNames(out.items[2])).toEqual(["weft-init", "weft-proxy"]);
    expect(r.reports.map((x) => x.object)).toEqual(["Deployment shop/a", "Pod shop/p"]);
  });

  it("reports YAML errors instead of throwing", () => {
    const r = injectManifests("kind: Pod\nmetadata: {name: [\n", "bad.yaml", opts);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]).toMatch(/^bad.yaml: /);
  });

  it("parses flags and refuses bad ones", () => {
    const ok = parseInjectFlags(["-f", "a.yaml", "--namespace-labels", "weft.dev/inject=enabled,team=x", "--native-sidecars=false", "--log-level", "debug"]);
    expect(typeof ok).toBe("object");
    if (typeof ok === "object") {
      expect(ok.opts.config.nativeSidecars).toBe(false);
      expect(ok.opts.config.logLevel).toBe("debug");
      expect(ok.opts.namespaceLabels).toEqual({ "weft.dev/inject": "enabled", team: "x" });
    }
    expect(parseInjectFlags([])).toMatch(/-f is required/);
    const files: Record<string, string> = { "inj.json": JSON.stringify({ adminPort: 15020, nativeSidecars: false, excludeOutboundPorts: [5432] }), "bad.json": JSON.stringify({ proxyUid: "x" }) };
    const read = (p: string): string => {
      const t = files[p];
      if (t === undefined) throw new Error("ENOENT");
      return t;
    };
    const withConfig = parseInjectFlags(["-f", "a", "--config", "inj.json", "--native-sidecars=true"], read);
    expect(typeof withConfig === "object" && withConfig.opts.config).toMatchObject({ adminPort: 15020, nativeSidecars: true, excludeOutboundPorts: [5432] });
    expect(parseInjectFlags(["-f", "a", "--config=bad.json"], read)).toMatch(/proxyUid must be a number/);
    expect(parseInjectFlags(["-f", "a", "--config", "missing.json"], read)).toMatch(/ENOENT/);
    expect(parseInjectFlags(["-f", "a", "--namespace-labels", "novalue"])).toMatch(/key=value/);
    expect(parseInjectFlags(["-f", "a", "--native-sidecars=maybe"])).toMatch(/true or false/);
    expect(parseInjectFlags(["-f", "a", "--controller-address", "nope"])).toMatch(/host:port/);
    expect(parseInjectFlags(["-f", "a", "--bogus"])).toMatch(/unknown flag --bogus/);
  });

  it("puts the mesh roots from --trust-bundle into the proxy's WEFT_TRUST_BUNDLE", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const read = (p: string): string => {
      if (p === "roots.pem") return pem;
      if (p === "junk.pem") return "not a cert";
      throw new Error("ENOENT");
    };
    const parsed = parseInjectFlags(["-f", "a", "--trust-bundle", "roots.pem"], read);
    if (typeof parsed === "string") throw new Error(parsed);
    const out = injectManifests(manifest, "m.yaml", parsed.opts).output;
    const proxy = parseAllDocuments(out).map((d) => d.toJS() as { kind: string; spec?: { template?: { spec?: { initContainers?: { name: string; env?: { name: string; value?: string }[] }[] } } } })
      .find((o) => o.kind === "Deployment")!.spec!.template!.spec!.initContainers!.find((c) => c.name === "weft-proxy")!;
    expect(proxy.env!.find((e) => e.name === "WEFT_TRUST_BUNDLE")?.value).toBe(pem);
    expect(parseInjectFlags(["-f", "a", "--trust-bundle", "junk.pem"], read)).toMatch(/no PEM certificate/);
    expect(parseInjectFlags(["-f", "a", "--trust-bundle", "gone.pem"], read)).toMatch(/ENOENT/);
    const insecure = parseInjectFlags(["-f", "a", "--controller-insecure"], read);
    expect(typeof insecure === "object" && insecure.opts.config.controllerInsecure).toBe(true);
  });
});

describe("weftctl inject (CLI)", () => {
  it("prints the mutated YAML on stdout and one report line per workload on stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "weftctl-inject-"));
    try {
      const file = join(dir, "m.yaml");
      writeFileSync(file, manifest);
      const r = spawnSync(process.execPath, [resolve(import.meta.dirname, "../../cmd/weftctl.ts"), "inject", "-f", file], { encoding: "utf8", timeout: 30_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(injectManifests(manifest, file, { ...opts, namespaceLabels: {} }).output);
      expect(r.stderr).toContain("Deployment shop/reviews: injected (enabled-by-namespace-label)");
      expect(r.stderr).toContain("DaemonSet shop/agent: skipped (host-network)");
      const bad = spawnSync(process.execPath, [resolve(import.meta.dirname, "../../cmd/weftctl.ts"), "inject", "--what"], { encoding: "utf8", timeout: 30_000 });
      expect(bad.status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
