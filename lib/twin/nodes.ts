/**
 * The cluster twin's nodes: one kwok-played Node per node of each pool, built from the same pool facts that
 * give the node groups their labels and taints and the autoscaler its node template. Nothing GPU-side runs in
 * the twin, so what the device plugin would advertise comes from the pool model's sharing mode, and a GPU node
 * starts as the join gate leaves a node that passed: labelled `passed`, with only the GPU taint.
 */
import { instanceType } from "../catalog/instances";
import type { RegionModel } from "../model/region";
import type { KubeObject } from "../k8s/object";
import { SYSTEM_POOL_NAME, SYSTEM_POOL_LABEL, GPU_TAINT, VALIDATION_LABEL, type NodeTaint } from "../naming";
import { ephemeralStorage, poolNodeLabels, SYSTEM_POOL_ROOT_VOLUME_GIB } from "../model/node-template";
import { type ResourceCounts } from "../model/sharing/mode";

/** kwok manages only nodes with this annotation, so it never touches a node it did not make. */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const KWOK_NODE_ANNOTATION_VALUE = "fake";
export const TWIN_NODE_LABEL = "fastgpu.io/twin-node";

/** EKS's default max pods for the VPC CNI without prefix delegation is lower; the twin uses kubelet's default. */
const PODS_PER_NODE = 110;

export interface TwinNodeSpec {
  readonly pool: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  /** Capacity = allocatable, as Cluster Autoscaler's AWS template builds it from the instance type. */
  readonly resources: Readonly<Record<string, string>>;
}

export interface TwinNodeCounts {
  readonly [pool: string]: number;
}

function capacity(instance: string, rootVolumeGiB: number, extended: ResourceCounts): Record<string, string> {
  const type = instanceType(instance);
  const resources: Record<string, string> = {
    cpu: String(type.vcpu),
    memory: `${type.memoryGiB}Gi`,
    "ephemeral-storage": ephemeralStorage(rootVolumeGiB),
    pods: String(PODS_PER_NODE),
  };
  for (const [name, count] of Object.entries(extended)) resources[name] = String(count);
  return resources;
}

function standardLabels(region: string, nodeGroup: string, instance: string, name: string, capacityType: string): Record<string, string> {
  return {
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/os": "linux",
    "kubernetes.io/hostname": name,
    "node.kubernetes.io/instance-type": instance,
    "topology.kubernetes.io/region": region,
    "eks.amazonaws.com/nodegroup": nodeGroup,
    "eks.amazonaws.com/capacityType": capacityType === "spot" ? "SPOT" : capacityType === "capacity-block" ? "CAPACITY_BLOCK" : "ON_DEMAND",
    [TWIN_NODE_LABEL]: "true",
  };
}

/**
 * Every node of the twin: the system pool and each GPU pool at the count given, else at `maxSize` (the
 * twin without an autoscaler has every node a deploy could reach).
 */
export function twinNodeSpecs(model: RegionModel, counts: TwinNodeCounts = {}): TwinNodeSpec[] {
  const region = model.config;
  const known = new Set([SYSTEM_POOL_NAME, ...region.gpuPools.map((pool) => pool.name)]);
  for (const pool of Object.keys(counts)) {
    if (!known.has(pool)) throw new Error(`--nodes ${pool}=…: no pool "${pool}" in ${region.region} (pools: ${[...known].join(", ")})`);
    if (!Number.isInteger(counts[pool]) || counts[pool] < 0) throw new Error(`--nodes ${pool}=${counts[pool]}: the count must be a whole number >= 0`);
  }
  const specs: TwinNodeSpec[] = [];
  const system = region.systemPool;
  for (let i = 0; i < (counts[SYSTEM_POOL_NAME] ?? system.maxSize); i++) {
    const name = `${SYSTEM_POOL_NAME}-${i}`;
    specs.push({
      pool: SYSTEM_POOL_NAME,
      name,
      labels: { ...standardLabels(region.region, model.names.systemNodeGroup, system.instanceType, name, "on-demand"), ...SYSTEM_POOL_LABEL },
      taints: [],
      resources: capacity(system.instanceType, SYSTEM_POOL_ROOT_VOLUME_GIB, {}),
    });
  }
  for (const facts of model.pools) {
    const { pool } = facts;
    for (let i = 0; i < (counts[pool.name] ?? pool.maxSize); i++) {
      const name = `${pool.name}-${i}`;
      specs.push({
        pool: pool.name,
        name,
        labels: { ...standardLabels(region.region, model.names.nodeGroup(pool.name), pool.instanceType, name, pool.capacityType), ...poolNodeLabels(facts), [VALIDATION_LABEL]: "passed" },
        taints: [GPU_TAINT],
        resources: capacity(pool.instanceType, pool.rootVolumeGiB, facts.advertisedPerNode),
      });
    }
  }
  return specs;
}

export function twinNodeObject(spec: TwinNodeSpec): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: spec.name, labels: spec.labels, annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE } },
    spec: { taints: spec.taints.map((taint) => ({ ...taint })) },
    status: { capacity: spec.resources, allocatable: spec.resources },
  };
}

/** Parses `--nodes pool=n` flags. */
export function parseNodeCounts(values: readonly string[]): TwinNodeCounts {
  const counts: Record<string, number> = {};
  for (const value of values) {
    const match = /^([a-z0-9-]+)=(\d+)$/.exec(value);
    if (!match) throw new Error(`--nodes ${value}: expected <pool>=<count>, e.g. --nodes train-h100=2`);
    if (match[1] in counts) throw new Error(`--nodes ${match[1]} given twice`);
    counts[match[1]] = Number(match[2]);
  }
  return counts;
}
