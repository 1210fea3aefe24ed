import { loadFleetModel } from "../lib/model/region";
import type { KubeObject } from "../lib/k8s/object";
import { regionDeployGate, regionReleases } from "../lib/platform/releases";
import { DEFAULT_CONFIG_DIR, validateObjects } from "./helpers";

describe("every object FastGPU installs is valid against the Kubernetes and Kueue v1beta2 schemas", () => {
  const config = loadFleetModel(DEFAULT_CONFIG_DIR);

  it.each(config.regions.map((region) => [region.region, region] as const))("%s", (_name, region) => {
    const objects = [...regionReleases(region).all.flatMap((release) => release.objects), ...regionDeployGate(region).jobs];
    expect(objects.length).toBeGreaterThan(20);
    expect(validateObjects(objects)).toEqual({ status: 0, problems: [] });
  });

  it("and the validator rejects what the API server would (so the check above can fail)", () => {
    const broken: KubeObject[] = [
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ClusterQueue", metadata: { name: "a" }, spec: { cohort: "old-v1beta1-field" } },
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "q", namespace: "n" }, spec: { clusterQueue: "Team_A" } },
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "WorkloadPriorityClass", metadata: { name: "p" }, value: "high" },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n" }, spec: { podSelector: {}, policyTypes: ["Sideways"] } },
      { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "r" }, spec: { hard: "lots" } },
    ];
    const { status, problems } = validateObjects(broken);
    expect(status).toBe(1);
    expect(problems).toEqual([
      expect.stringMatching(/^ClusterQueue a: \/spec must NOT have additional properties \(cohort\)/),
      expect.stringMatching(/^LocalQueue n\/q: \/spec\/clusterQueue must match pattern/),
      expect.stringMatching(/^WorkloadPriorityClass p: \/value must be integer/),
      expect.stringMatching(/^NetworkPolicy n: .*policyTypes\/0 must be equal to one of the allowed values/),
      expect.stringMatching(/^ResourceQuota r: .*spec\/hard must be object/),
    ]);
  });
});
