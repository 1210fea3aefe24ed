/**
 * What `npm run manifests` prints is what the API server accepts: every object through a server-side
 * dry-run apply on the twin (real schemas, CRDs from the Kueue chart, admission). And Kueue's own
 * availability as our Helm values install it.
 */
import { parseAllDocuments } from "yaml";
import { renderManifests } from "../../tools/manifests";
import { defaultConfig, eventually, getJson, kubectl, kubectlOk, yamlOf } from "./twin-client";
import { NAMESPACES } from "../../lib/naming";

const { region } = defaultConfig();

interface Named {
  kind: string;
  metadata: { name: string; namespace?: string };
}

describe(`npm run manifests -- --region ${region.region} on the twin's API server`, () => {
  const objects = parseAllDocuments(renderManifests(["--region", region.region]))
    .map((document) => document.toJSON() as Named | null)
    .filter((object): object is Named => object !== null);

  beforeAll(() => {
    // Releases the twin leaves out (the GPU operator) still own namespaces some objects live in.
    for (const namespace of new Set(objects.map((object) => object.metadata.namespace).filter((name): name is string => !!name))) {
      if (kubectl(["get", "namespace", namespace]).status !== 0) kubectlOk(["create", "namespace", namespace]);
    }
  });

  it("has objects to check", () => {
    expect(objects.length).toBeGreaterThan(20);
  });

  it("accepts every object in a server-side dry-run apply", () => {
    const rejected: string[] = [];
    for (const object of objects) {
      const result = kubectl(["apply", "--server-side", "--dry-run=server", "--force-conflicts", "--field-manager=manifests-check", "-f", "-"], yamlOf([object]));
      if (result.status !== 0) rejected.push(`${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}: ${result.stderr.trim()}`);
    }
    expect(rejected).toEqual([]);
  });
});

describe("Kueue's availability as our values install it", () => {
  it("runs two controller replicas on different system nodes with a PodDisruptionBudget (kwok plays the in-cluster pods; one real Kueue runs on the host)", async () => {
    const deployment = getJson<{ spec: { replicas: number } }>(["deployment", "kueue-controller-manager", "-n", NAMESPACES.kueue]);
    expect(deployment.spec.replicas).toBe(2);
    const nodes = await eventually("both Kueue replicas bound", () => {
      const pods = getJson<{ items: { spec: { nodeName?: string } }[] }>(["pods", "-n", NAMESPACES.kueue, "-l", "control-plane=controller-manager"]).items;
      const bound = pods.map((pod) => pod.spec.nodeName).filter((name): name is string => !!name);
      return bound.length === 2 ? bound : undefined;
    });
    expect(new Set(nodes).size).toBe(2);
    const pdbs = getJson<{ items: { spec: { minAvailable: number } }[] }>(["poddisruptionbudgets", "-n", NAMESPACES.kueue]).items;
    expect(pdbs.map((pdb) => pdb.spec.minAvailable)).toEqual([1]);
  });
});
