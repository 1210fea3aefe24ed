import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { Cluster } from "../constructs/cluster";
import { Network } from "../constructs/network";
import { NodePool } from "../constructs/node-pool";
import { applyPolicies } from "../constructs/policies";
import {
  AwsProvider,
  DataAwsCallerIdentity,
  DataAwsEc2InstanceTypeOfferings,
  DataAwsPartition,
  EksPodIdentityAssociation,
  IamRole,
  IamRolePolicy,
  KmsAlias,
  KmsKey,
  Subnet,
} from "../constructs/providers";
import { SecureBucket, ValidationImageRepository } from "../constructs/storage";
import { TenantAccess } from "../constructs/tenant-access";
import type { RegionConfig } from "../lib/config/load";
import { BUCKET_KINDS, type BucketKind, type FleetFile } from "../lib/config/schema";
import {
  CLUSTER_AUTOSCALER_NAMESPACE,
  CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
  SYSTEM_POOL_LABEL,
} from "../lib/helm/cluster-autoscaler";
import { clusterAutoscalerPolicy, podIdentityTrustPolicy } from "../lib/iam-policies";
import { bucketNameParts, clusterName, infraStackName, nodeGroupName, SYSTEM_POOL_NAME, tenantRoleName } from "../lib/naming";
import { poolUserData } from "../lib/mig-user-data";
import { autoscalerTemplateTags, poolNodeLabels, poolNodeTaints, SYSTEM_POOL_ROOT_VOLUME_GIB } from "../lib/node-template";
import { derivePool, type PoolFacts } from "../lib/pools";
import { GPU_AMI_TYPE, SYSTEM_AMI_TYPE } from "../lib/versions";
import { regionFacts } from "../lib/preview/region-facts";
import { configureBackend } from "./backend";

export interface RegionInfraStackProps {
  readonly fleet: FleetFile;
  readonly region: RegionConfig;
}

export function resourceTags(fleet: FleetFile, region: string, stackName: string): Record<string, string> {
  return {
    ...fleet.tags,
    "fastgpu.io/fleet": fleet.name,
    "fastgpu.io/region": region,
    "fastgpu.io/stack": stackName,
    "managed-by": "fastgpu-cdktf",
  };
}

/** `fastgpu-<region>-infra`: every AWS resource of a region (network, EKS, node pools, storage, ECR). */
export class RegionInfraStack extends TerraformStack {
  readonly clusterName: string;
  readonly cluster: Cluster;
  readonly pools: readonly PoolFacts[];
  readonly buckets: Readonly<Record<BucketKind, SecureBucket>>;
  readonly imageRepository: ValidationImageRepository;

  constructor(scope: Construct, props: RegionInfraStackProps) {
    const { fleet, region } = props;
    const stackName = infraStackName(region.region);
    super(scope, stackName);
    configureBackend(this, fleet, region.region, stackName);
    applyPolicies(this);

    const tags = resourceTags(fleet, region.region, stackName);
    new AwsProvider(this, "aws", { region: region.region, defaultTags: [{ tags }] });
    const partition = new DataAwsPartition(this, "partition");
    const account = new DataAwsCallerIdentity(this, "account");

    this.clusterName = clusterName(fleet.name, region.region);
    const network = new Network(this, "network", {
      namePrefix: this.clusterName,
      region: region.region,
      vpcCidr: region.vpcCidr,
      natGateways: region.natGateways,
      clusterName: this.clusterName,
    });

    this.cluster = new Cluster(this, "eks", {
      name: this.clusterName,
      kubernetesVersion: region.kubernetesVersion,
      privateSubnets: network.privateSubnets,
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
      nodeGroupName: nodeGroupName(fleet.name, SYSTEM_POOL_NAME),
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
      dependsOn: nodeDependencies,
    });
    this.cluster.addon("coredns", [systemPool.nodeGroup]);
    // Not the eks-node-monitoring-agent add-on: its bundled DCGM host engine conflicts with the GPU operator's
    // DCGM exporter and it then reports AcceleratedHardwareReady=False, which node auto-repair answers by
    // replacing healthy GPU nodes (aws/containers-roadmap#2555, #2763). Node repair acts on NotReady here.

    const offerings = new Map<string, DataAwsEc2InstanceTypeOfferings>();
    const zonesOffering = (type: string): string[] => {
      let data = offerings.get(type);
      if (!data) {
        data = new DataAwsEc2InstanceTypeOfferings(this, `offerings-${type.replace(/\./g, "-")}`, {
          locationType: "availability-zone",
          filter: [{ name: "instance-type", values: [type] }],
        });
        offerings.set(type, data);
      }
      return data.locations;
    };

    this.pools = region.gpuPools.map((pool) => derivePool(pool));
    for (const facts of this.pools) {
      const { pool } = facts;
      const zones = pool.availabilityZones ?? zonesOffering(pool.instanceType);
      new NodePool(this, `gpu-pool-${pool.name}`, {
        clusterName: this.cluster.cluster.name,
        kubernetesVersion: this.cluster.cluster.version,
        nodeGroupName: nodeGroupName(fleet.name, pool.name),
        nodeRole: this.cluster.nodeRole,
        subnetIds: subnetsInZones(network.privateSubnets, zones),
        instanceType: pool.instanceType,
        amiType: GPU_AMI_TYPE,
        capacityType: pool.capacityType,
        capacityReservationId: pool.capacityReservationId,
        minSize: pool.minSize,
        maxSize: pool.maxSize,
        rootVolumeGiB: pool.rootVolumeGiB,
        userData: poolUserData(facts),
        labels: poolNodeLabels(facts),
        taints: poolNodeTaints(facts, { joinGate: fleet.validation.joinGate }),
        autoscalingGroupTags: autoscalerTemplateTags(facts),
        tags: { ...tags, "fastgpu.io/pool": pool.name },
        dependsOn: nodeDependencies,
      });
    }

    const dataKey = new KmsKey(this, "data-key", {
      description: `S3 and ECR encryption for ${this.clusterName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, "data-key-alias", { name: `alias/${this.clusterName}-data`, targetKeyId: dataKey.keyId });

    const buckets = {} as Record<BucketKind, SecureBucket>;
    for (const kind of BUCKET_KINDS) {
      buckets[kind] = new SecureBucket(this, `bucket-${kind}`, {
        bucketName: `${bucketNameParts(fleet.name, kind, region.region)}-${account.accountId}`,
        kmsKey: dataKey,
        retention: region.buckets[kind],
      });
    }
    this.buckets = buckets;

    for (const tenant of fleet.tenants) {
      new TenantAccess(this, `tenant-${tenant.name}`, {
        cluster: this.cluster.cluster,
        roleName: tenantRoleName(fleet.name, region.region, tenant.name),
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
      name: `${fleet.name}/gpu-validate`,
      kmsKey: dataKey,
    });

    const autoscalerRole = new IamRole(this, "cluster-autoscaler-role", {
      name: `${this.clusterName}-cluster-autoscaler`,
      assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
    });
    new IamRolePolicy(this, "cluster-autoscaler-policy", {
      role: autoscalerRole.name,
      policy: JSON.stringify(clusterAutoscalerPolicy(this.clusterName)),
    });
    new EksPodIdentityAssociation(this, "cluster-autoscaler-identity", {
      clusterName: this.cluster.cluster.name,
      namespace: CLUSTER_AUTOSCALER_NAMESPACE,
      serviceAccount: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
      roleArn: autoscalerRole.arn,
      dependsOn: [...this.cluster.networkAddons],
    });

    // What the pools and overhead are, in a machine-readable form: the PR preview reads it from base and
    // head synths to show GPU capacity and cost before and after.
    new TerraformOutput(this, "fastgpu_region", {
      value: JSON.stringify(regionFacts(region)),
      description: "FastGPU region facts (pools, system pool, NAT) for plan previews",
    });
    new TerraformOutput(this, "cluster_name", { value: this.cluster.cluster.name });
    new TerraformOutput(this, "kubeconfig_command", {
      value: `aws eks update-kubeconfig --region ${region.region} --name ${this.clusterName}`,
    });
    new TerraformOutput(this, "validation_image_repository", { value: this.imageRepository.repository.repositoryUrl });
    for (const kind of BUCKET_KINDS) {
      new TerraformOutput(this, `${kind}_bucket`, { value: buckets[kind].bucket.bucket });
    }
  }
}

/** The private subnets whose AZ is in `zones` (a literal list or the offerings data source's token list). */
function subnetsInZones(subnets: readonly Subnet[], zones: string[]): string[] {
  return Fn.compact(subnets.map((subnet) => Fn.conditional(Fn.contains(zones, subnet.availabilityZone), subnet.id, "")));
}
