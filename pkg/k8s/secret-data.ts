// secret-data: keeps small string data (e.g. the mesh CA) in a Kubernetes Secret.
// Takes a KubeClient, namespace, name and a factory; gives the Secret's data decoded to strings:
// the existing Secret's, or — when absent — the factory's, created atomically. Two replicas racing
// both end up with the data of whichever create won (409 ⇒ read the winner's).
// Must not: log or put Secret values into errors; overwrite an existing Secret.
import { WeftError } from "../errors/weft-error.ts";
import { kubeStatusOf, type KubeClient } from "./kube-client.ts";
import { apiPath } from "./resource-kinds.ts";

interface SecretBody {
  readonly data?: Readonly<Record<string, string>>;
}

function decode(s: SecretBody): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
  return out;
}

export async function loadOrCreateSecretData(
  client: KubeClient,
  namespace: string,
  name: string,
  create: () => Record<string, string>,
  labels: Readonly<Record<string, string>> = {},
): Promise<Record<string, string>> {
  const path = apiPath("", "v1", "secrets", namespace, name);
  try {
    return decode(await client.request<SecretBody>("GET", path));
  } catch (err) {
    if (kubeStatusOf(err) !== 404) throw err;
  }
  const fresh = create();
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(fresh)) data[k] = Buffer.from(v, "utf8").toString("base64");
  try {
    await client.request("POST", apiPath("", "v1", "secrets", namespace), {
      body: { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name, namespace, labels }, data },
    });
    return fresh;
  } catch (err) {
    if (kubeStatusOf(err) !== 409) throw new WeftError("WEFT_ERR_UNAVAILABLE", `cannot create Secret ${namespace}/${name}`, { status: kubeStatusOf(err) ?? 0 });
    return decode(await client.request<SecretBody>("GET", path));
  }
}
