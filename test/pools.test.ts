import type { GpuPoolConfig } from "../lib/config/schema";
import { buildRegionModel } from "../lib/model/region";
import { defaultModel, poolModel } from "./helpers";
import { autoscalerTemplateTags, poolNodeLabels } from "../lib/model/node-template";
import { totalUnits } from "../lib/model/sharing/mode";

const basePool: GpuPoolConfig = {
  name: "p",
  instanceType: "p5.48xlarge",
  capacityType: "on-demand",
  minSize: 1,
  maxSize: 3,
  sharing: { mode: "exclusive" },
  rootVolumeGiB: 500,
  labels: {},
};

describe("derived pool facts", () => {
  it("exclusive: one nvidia.com/gpu per physical GPU", () => {
    const facts = poolModel(basePool);
    expect(facts.physicalGpusPerNode).toBe(8);
    expect(facts.advertisedPerNode).toEqual({ "nvidia.com/gpu": 8 });
    expect(facts.physicalGpus).toEqual({ min: 8, max: 24 });
    expect(facts.advertised).toEqual({ min: { "nvidia.com/gpu": 8 }, max: { "nvidia.com/gpu": 24 } });
  });

  it("time-slicing: GPUs x replicas", () => {
    const facts = poolModel({ ...basePool, instanceType: "g6.12xlarge", sharing: { mode: "time-slicing", replicas: 4 }, minSize: 0, maxSize: 2 });
    expect(facts.physicalGpusPerNode).toBe(4);
    expect(facts.advertisedPerNode).toEqual({ "nvidia.com/gpu": 16 });
    expect(facts.advertised.max).toEqual({ "nvidia.com/gpu": 32 });
    expect(facts.advertised.min).toEqual({ "nvidia.com/gpu": 0 });
  });

  it("MIG: per-profile resources, the layout applied to every GPU of the node, no whole GPUs left", () => {
    const facts = poolModel({ ...basePool, sharing: { mode: "mig", layout: { "3g.40gb": 1, "2g.20gb": 1, "1g.10gb": 2 } } });
    expect(facts.advertisedPerNode).toEqual({ "nvidia.com/mig-1g.10gb": 16, "nvidia.com/mig-2g.20gb": 8, "nvidia.com/mig-3g.40gb": 8 });
    expect(totalUnits(facts.advertisedPerNode)).toBe(32);
    expect(facts.advertised.max["nvidia.com/mig-1g.10gb"]).toBe(48);
  });

  it("matches the default config's pools", () => {
    const east = defaultModel().regions.find((region) => region.region === "us-east-1")!;
    const byName = Object.fromEntries(east.pools.map((model) => [model.pool.name, model]));
    expect(byName["train-h100"].advertised.max).toEqual({ "nvidia.com/gpu": 32 });
    expect(byName["infer-l4"].advertised).toEqual({ min: { "nvidia.com/gpu": 4 }, max: { "nvidia.com/gpu": 32 } });
    expect(byName["mig-a100"].advertisedPerNode).toEqual({ "nvidia.com/mig-1g.5gb": 16, "nvidia.com/mig-2g.10gb": 8, "nvidia.com/mig-3g.20gb": 8 });
  });
});

describe("node labels, taints and autoscaler node templates", () => {
  it("labels the pool and accelerator and taints every GPU node", () => {
    const facts = poolModel({ ...basePool, labels: { "team.example.com/tier": "gold" } });
    expect(poolNodeLabels(facts)).toEqual({
      "team.example.com/tier": "gold",
      "fastgpu.io/pool": "p",
      "k8s.amazonaws.com/accelerator": "nvidia-h100",
      "nvidia.com/device-plugin.config": "exclusive",
    });
    const { fleet, regions } = defaultModel();
    const taintsWith = (joinGate: boolean) => buildRegionModel({ ...fleet, validation: { ...fleet.validation, joinGate } }, regions[0].config).gpuNodeTaints;
    expect(taintsWith(false)).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
    // With the join gate, nodes are also born unproven, under Cluster Autoscaler's startup-taint prefix.
    expect(taintsWith(true)).toEqual([
      { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" },
      { key: "startup-taint.cluster-autoscaler.kubernetes.io/gpu-validation", value: "pending", effect: "NoSchedule" },
    ]);
  });

  it("tags the ASG with what a node will advertise, so the autoscaler can scale up from zero", () => {
    const timeSliced = autoscalerTemplateTags(poolModel({ ...basePool, instanceType: "g6.xlarge", sharing: { mode: "time-slicing", replicas: 4 }, rootVolumeGiB: 200 }));
    expect(timeSliced).toMatchObject({
      "k8s.io/cluster-autoscaler/node-template/label/fastgpu.io/pool": "p",
      "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "true:NoSchedule",
      "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "4",
      "k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage": "160Gi",
    });
    const mig = autoscalerTemplateTags(poolModel({ ...basePool, sharing: { mode: "mig", layout: { "7g.80gb": 1 } } }));
    // A MIG node advertises no whole GPUs: CA must not think it serves nvidia.com/gpu requests.
    expect(mig["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"]).toBe("0");
    expect(mig["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/mig-7g.80gb"]).toBe("8");
    // Nor carry the accelerator label: CA would count a labelled node without nvidia.com/gpu as unready forever.
    expect(mig).not.toHaveProperty(["k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator"]);
    expect(timeSliced["k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator"]).toBe("nvidia-l4");
  });
});
