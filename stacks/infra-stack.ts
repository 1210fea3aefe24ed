import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { Cluster } from "../constructs/cluster";
import { ClusterAutoscalerIdentity } from "../constructs/cluster-autoscaler-identity";
import { ValidationImageRepository } from "../constructs/image-repository";
import { Network } from "../constructs/network";
import { GPU_NODE_GROUP_TIMEOUTS, NodePool } from "../constructs/node-pool";
import { applyPolicies } from "../constructs/policies";
import { AwsProvider, DataAwsCallerIdentity, DataAwsPartition, KmsAlias, KmsKey } from "../constructs/providers";
import { SecureBucket } from "../constructs/storage";
import { TenantAccess } from "../constructs/tenant-access";
import { BUCKET_KINDS, type BucketKind } from "../lib/config/schema";
import { autoscalerTemplateTags, poolNodeLabels, SYSTEM_POOL_ROOT_VOLUME_GIB } from "../lib/model/node-template";
import type { PoolModel } from "../lib/model/pool";
import type { RegionModel } from "../lib/model/region";
import { planNetwork } from "../lib/network-plan";
import { POOL_LABEL, SYSTEM_POOL_LABEL } from "../lib/naming";
import { regionFacts } from "../lib/preview/region-facts";
import { resourceTags } from "../lib/tags";
import { GPU_AMI_TYPE, SYSTEM_AMI_TYPE } from "../lib/versions";
import { configureBackend } from "./backend";

/** `fastgpu-<region>-infra`: every AWS resource of a region (network, EKS, node pools, storage, ECR). */
export class RegionInfraStack extends TerraformStack {
  readonly clusterName: string;
  readonly cluster: Cluster;
  readonly pools: readonly PoolModel[];
  readonly buckets: Readonly<Record<BucketKind, SecureBucket>>;
  readonly imageRepository: ValidationImageRepository;

  constructor(scope: Construct, model: RegionModel) {
    const { fleet, config: region, names } = model;
    super(scope, names.infraStack);
    configureBackend(this, fleet, region.region, names.infraStack);
    applyPolicies(this);

    const tags = resourceTags(fleet, region.region, names.infraStack);
    // The fleet's own tags (cost centre, owner) are edited; the rest never change for a stack. Launch templates carry
    // only the rest, so a tag edit never versions them and recycles nodes; the edited ones reach new instances
    // through the Auto Scaling groups.
    const instanceTags = Object.fromEntries(Object.entries(tags).filter(([key]) => !(key in fleet.tags)));
    const propagatedTags = { ...fleet.tags };
    new AwsProvider(this, "aws", { region: region.region, defaultTags: [{ tags }] });
    const partition = new DataAwsPartition(this, "partition");
    const account = new DataAwsCallerIdentity(this, "account");

    this.clusterName = names.cluster;
    const networkPlan = planNetwork(region);
    const endpoint = region.clusterEndpoint;
    const network = new Network(this, "network", {
      namePrefix: names.cluster,
      region: region.region,
      vpcCidr: region.vpcCidr,
      natGateways: region.natGateways,
      clusterName: names.cluster,
      plan: networkPlan,
      privateAccess:
        endpoint.privateAccessGatewayId && endpoint.privateAccessCidrs.length > 0
          ? { gatewayId: endpoint.privateAccessGatewayId, cidrs: endpoint.privateAccessCidrs }
          : undefined,
    });

    this.cluster = new Cluster(this, "eks", {
      name: names.cluster,
      kubernetesVersion: region.kubernetesVersion,
      vpcId: network.vpc.id,
      privateSubnets: network.privateSubnets,
      serviceCidr: networkPlan.serviceCidr,
      publicAccess: region.clusterEndpoint.publicAccess,
      publicAccessCidrs: region.clusterEndpoint.publicAccessCidrs,
      privateAccessCidrs: region.clusterEndpoint.privateAccessCidrs,
      clusterAdmins: region.clusterAdmins,
      partition,
    });
    const nodeDependencies = [...this.cluster.nodeRolePolicies, ...this.cluster.networkAddons];

    const systemPool = new NodePool(this, "system-pool", {
      clusterName: this.cluster.cluster.name,
      kubernetesVersion: this.cluster.cluster.version,
      nodeGroupName: names.systemNodeGroup,
      nodeRole: this.cluster.nodeRole,
      subnetIds: network.privateSubnets.map((subnet) => subnet.id),
      instanceType: region.systemPool.instanceType,
      amiType: SYSTEM_AMI_TYPE,
      capacityType: "on-demand",
      minSize: region.systemPool.minSize,
      maxSize: region.systemPool.maxSize,
      rootVolumeGiB: SYSTEM_POOL_ROOT_VOLUME_GIB,
      labels: SYSTEM_POOL_LABEL,
      taints: [],
      tags,
      instanceTags,
      propagatedTags,
      dependsOn: nodeDependencies,
    });
    this.cluster.addon("coredns", [systemPool.nodeGroup]);
    // Not the eks-node-monitoring-agent add-on: its bundled DCGM host engine conflicts with the GPU operator's
    // DCGM exporter and it then reports AcceleratedHardwareReady=False, which node auto-repair answers by
    // replacing healthy GPU nodes (aws/containers-roadmap#2555, #2763). Node repair acts on NotReady here.

    this.pools = model.pools;
    for (const facts of model.pools) {
      const { pool } = facts;
      const placement = network.placementFor(pool);
      new NodePool(this, `gpu-pool-${pool.name}`, {
        clusterName: this.cluster.cluster.name,
        kubernetesVersion: this.cluster.cluster.version,
        nodeGroupName: names.nodeGroup(pool.name),
        nodeRole: this.cluster.nodeRole,
        subnetIds: placement.subnetIds,
        hasSubnets: placement.hasSubnets,
        instanceType: pool.instanceType,
        amiType: GPU_AMI_TYPE,
        capacityType: pool.capacityType,
        capacityReservationId: pool.capacityReservationId,
        minSize: pool.minSize,
        maxSize: pool.maxSize,
        rootVolumeGiB: pool.rootVolumeGiB,
        userData: facts.sharing.userData,
        labels: poolNodeLabels(facts),
        taints: model.gpuNodeTaints,
        autoscalingGroupTags: autoscalerTemplateTags(facts),
        tags: { ...tags, [POOL_LABEL]: pool.name },
        instanceTags: { ...instanceTags, [POOL_LABEL]: pool.name },
        propagatedTags,
        timeouts: GPU_NODE_GROUP_TIMEOUTS,
        dependsOn: nodeDependencies,
      });
    }

    const dataKey = new KmsKey(this, "data-key", {
      description: `S3 and ECR encryption for ${names.cluster}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, "data-key-alias", { name: names.dataKeyAlias, targetKeyId: dataKey.keyId });

    const buckets = {} as Record<BucketKind, SecureBucket>;
    for (const kind of BUCKET_KINDS) {
      buckets[kind] = new SecureBucket(this, `bucket-${kind}`, {
        bucketName: names.bucket(kind, account.accountId),
        kmsKey: dataKey,
        retention: region.buckets[kind],
      });
    }
    this.buckets = buckets;

    for (const tenant of fleet.tenants) {
      new TenantAccess(this, `tenant-${tenant.name}`, {
        cluster: this.cluster.cluster,
        roleName: names.tenantRole(tenant.name),
        tenant: tenant.name,
        admins: tenant.admins,
        buckets: {
          datasetsArn: buckets.datasets.bucket.arn,
          checkpointsArn: buckets.checkpoints.bucket.arn,
          artifactsArn: buckets.artifacts.bucket.arn,
          dataKeyArn: dataKey.arn,
        },
      });
    }

    this.imageRepository = new ValidationImageRepository(this, "validation-image", {
      name: names.validationRepository,
      kmsKey: dataKey,
    });

    new ClusterAutoscalerIdentity(this, "cluster-autoscaler", {
      cluster: this.cluster.cluster,
      clusterName: names.cluster,
      roleName: names.clusterAutoscalerRole,
      dependsOn: [...this.cluster.networkAddons],
    });

    // What the pools and overhead are, in a machine-readable form: the PR preview reads it from base and
    // head synths to show GPU capacity and cost before and after.
    new TerraformOutput(this, "fastgpu_region", {
      value: JSON.stringify(regionFacts(model)),
      description: "FastGPU region facts (pools, system pool, NAT) for plan previews",
    });
    // The AZ IDs the VPC spans and the pinned-zone subnets, decided at synth: the PR preview can show them.
    new TerraformOutput(this, "availability_zones", {
      value: JSON.stringify({ zoneIds: networkPlan.zoneIds, pinned: networkPlan.pinned.map(({ zone }) => zone) }),
      description: "AZ IDs of the VPC's three zones and the AZ names pools pin",
    });
    new TerraformOutput(this, "cluster_name", { value: this.cluster.cluster.name });
    new TerraformOutput(this, "kubeconfig_command", {
      value: `aws eks update-kubeconfig --region ${region.region} --name ${names.cluster}`,
    });
    new TerraformOutput(this, "validation_image_repository", { value: this.imageRepository.repository.repositoryUrl });
    for (const kind of BUCKET_KINDS) {
      new TerraformOutput(this, `${kind}_bucket`, { value: buckets[kind].bucket.bucket });
    }
  }
}
