import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack } from "cdktf";
import { parse } from "yaml";
import {
  EksCluster,
  EksNodeGroup,
  EksPodIdentityAssociation,
  HelmProvider,
  HelmRelease,
  KubernetesProvider,
  LaunchTemplate,
  S3Bucket,
  S3BucketPublicAccessBlock,
} from "../constructs/providers";
import { loadFleetConfig } from "../lib/config/load";
import { buildFleetModel, loadFleetModel } from "../lib/model/region";
import { gpuOperatorValues } from "../lib/helm/gpu-operator";
import { CHARTS, DEFAULT_VALIDATION_IMAGE_TAG, GPU_AMI_TYPE, KUBERNETES_VERSIONS, SYSTEM_AMI_TYPE, TERRAFORM_PROVIDERS } from "../lib/versions";
import { regionReleases } from "../lib/platform/releases";
import { buildFleet, PolicyError, synthFleet } from "../stacks/fleet";
import { copyDefaultConfig, DEFAULT_CONFIG_DIR, editYaml, readTree, tempDir, withPlainStackTraces } from "./helpers";
import { autoscalerTemplateTags } from "../lib/model/node-template";
import { GPU_TAINT, VALIDATION_TAINT } from "../lib/naming";
import "./setup"; // cdktf's Testing matchers (toHaveResourceWithProperties, ...)

type TfJson = {
  terraform: { backend?: Record<string, Record<string, unknown>>; required_providers: Record<string, { version: string }> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: Record<string, Record<string, unknown>[]>;
  output?: Record<string, { value: unknown }>;
};

const config = loadFleetConfig(DEFAULT_CONFIG_DIR);
const model = buildFleetModel(config);
let outdir: string;
const stackJson = (name: string): TfJson => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
const resources = (json: TfJson, type: string) => Object.values(json.resource[type] ?? {});

beforeAll(() => {
  outdir = path.join(tempDir(), "cdktf.out");
  withPlainStackTraces(() => synthFleet(model, outdir));
});

describe("synth of the default config", () => {
  it("writes an infra and a platform stack for every region", () => {
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual([
      "fastgpu-us-east-1-infra",
      "fastgpu-us-east-1-platform",
      "fastgpu-us-west-2-infra",
      "fastgpu-us-west-2-platform",
    ]);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    expect(manifest.stacks["fastgpu-us-east-1-platform"].dependencies).toEqual(["fastgpu-us-east-1-infra"]);
  });

  it("pins the providers and keeps state in S3 with a lockfile, one key per stack", () => {
    const infra = stackJson("fastgpu-us-east-1-infra");
    expect(infra.terraform.required_providers.aws.version).toBe(TERRAFORM_PROVIDERS.aws);
    const platformProviders = stackJson("fastgpu-us-east-1-platform").terraform.required_providers;
    expect(platformProviders.helm.version).toBe(TERRAFORM_PROVIDERS.helm);
    expect(platformProviders.aws.version).toBe(TERRAFORM_PROVIDERS.aws);
    expect(platformProviders.kubernetes).toBeUndefined();
    expect(infra.terraform.backend).toEqual({
      s3: {
        bucket: "fastgpu-tfstate-123456789012",
        region: "us-east-1",
        key: "fastgpu/us-east-1/fastgpu-us-east-1-infra.tfstate",
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(stackJson("fastgpu-us-west-2-platform").terraform.backend?.s3.key).toBe("fastgpu/us-west-2/fastgpu-us-west-2-platform.tfstate");
  });

  it("creates the EKS cluster with a pinned version, API auth, encrypted secrets, logs and an allowlisted endpoint", () => {
    const [cluster] = resources(stackJson("fastgpu-us-east-1-infra"), "aws_eks_cluster");
    expect(cluster).toMatchObject({
      name: "fastgpu-us-east-1",
      version: "1.35",
      access_config: { authentication_mode: "API" },
      encryption_config: { resources: ["secrets"] },
      enabled_cluster_log_types: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
      vpc_config: { endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] },
    });
    const [west] = resources(stackJson("fastgpu-us-west-2-infra"), "aws_eks_cluster");
    expect(west).toMatchObject({ vpc_config: { endpoint_public_access: false } });
    // The private-only cluster admits its VPN / CI network on 443 through its own control-plane security group.
    expect(resources(stackJson("fastgpu-us-west-2-infra"), "aws_vpc_security_group_ingress_rule")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          security_group_id: expect.stringMatching(/^\$\{aws_security_group\.eks_control-plane-sg_[0-9A-F]+\.id\}$/),
          cidr_ipv4: "10.100.0.0/16",
          from_port: 443,
          to_port: 443,
          ip_protocol: "tcp",
        }),
      ]),
    );
    const addons = resources(stackJson("fastgpu-us-east-1-infra"), "aws_eks_addon").map((addon) => addon.addon_name);
    expect(addons.sort()).toEqual(["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
    const entries = resources(stackJson("fastgpu-us-east-1-infra"), "aws_eks_access_entry");
    expect(entries.map((entry) => [entry.principal_arn, entry.kubernetes_groups])).toEqual(
      expect.arrayContaining([
        ["arn:aws:iam::123456789012:role/platform-admin", undefined],
        ["arn:aws:iam::123456789012:role/research-admin", ["fastgpu:tenant:research:admins"]],
        ["arn:aws:iam::123456789012:role/inference-admin", ["fastgpu:tenant:inference:admins"]],
      ]),
    );
    expect(entries).toHaveLength(3);
    // Only the platform admins get a cluster-wide access policy; tenant admins get RBAC in their namespace.
    expect(resources(stackJson("fastgpu-us-east-1-infra"), "aws_eks_access_policy_association")).toHaveLength(1);
  });

  it("builds a three-AZ network with NAT per AZ (or one), an S3 gateway endpoint and ECR/STS endpoints", () => {
    const east = stackJson("fastgpu-us-east-1-infra");
    expect(resources(east, "aws_subnet")).toHaveLength(6);
    expect(resources(east, "aws_nat_gateway")).toHaveLength(3);
    expect(resources(stackJson("fastgpu-us-west-2-infra"), "aws_nat_gateway")).toHaveLength(1);
    const endpoints = resources(east, "aws_vpc_endpoint").map((endpoint) => [endpoint.service_name, endpoint.vpc_endpoint_type]);
    expect(endpoints).toEqual(
      expect.arrayContaining([
        ["com.amazonaws.us-east-1.s3", "Gateway"],
        ["com.amazonaws.us-east-1.ecr.api", "Interface"],
        ["com.amazonaws.us-east-1.ecr.dkr", "Interface"],
        ["com.amazonaws.us-east-1.sts", "Interface"],
      ]),
    );
  });

  it("creates one tainted, labelled AL2023 NVIDIA node group per GPU pool, scaling left to the autoscaler", () => {
    const east = stackJson("fastgpu-us-east-1-infra");
    const gpuGroups = resources(east, "aws_eks_node_group").filter((group) => group.ami_type === GPU_AMI_TYPE);
    expect(gpuGroups.map((group) => group.node_group_name).sort()).toEqual(["fastgpu-infer-l4", "fastgpu-mig-a100", "fastgpu-train-h100"]);
    for (const group of gpuGroups) {
      expect(group.taint).toEqual([
        { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" },
        { key: "startup-taint.cluster-autoscaler.kubernetes.io/gpu-validation", value: "pending", effect: "NO_SCHEDULE" },
      ]);
      const lifecycle = group.lifecycle as { ignore_changes: string[]; precondition: { condition: string; error_message: string }[] };
      expect(lifecycle.ignore_changes).toEqual(["scaling_config[0].desired_size"]);
      // A pool whose instance type no VPC zone offers fails the plan with a message, not an EKS API error.
      expect(lifecycle.precondition[0].condition).toMatch(/^\$\{\(length\(compact\(\[.*\]\)\) >= 1\)\}$/);
      expect(lifecycle.precondition[0].error_message).toContain("Set availabilityZones");
      // Nodes follow the control plane's version, so bumping kubernetesVersion rolls them onto the new AMI.
      expect(group.version).toMatch(/^\$\{aws_eks_cluster\.eks_cluster_[0-9A-F]+\.version\}$/);
      // Subnets are the VPC's AZs that offered the instance type when the pool was created (kept in state).
      expect(group.subnet_ids).toMatch(/^\$\{compact\(\[contains\(terraform_data\.network_zones-[\w-]+\.output\["zone_ids"\]/);
    }
    const l4 = gpuGroups.find((group) => group.node_group_name === "fastgpu-infer-l4")!;
    expect(l4).toMatchObject({
      capacity_type: "SPOT",
      instance_types: ["g6.xlarge"],
      scaling_config: { min_size: 1, max_size: 8, desired_size: 1 },
      labels: { "fastgpu.io/pool": "infer-l4", "k8s.amazonaws.com/accelerator": "nvidia-l4" },
    });
    const system = resources(east, "aws_eks_node_group").find((group) => group.node_group_name === "fastgpu-system")!;
    expect(system).toMatchObject({ ami_type: SYSTEM_AMI_TYPE, capacity_type: "ON_DEMAND", taint: [] });
  });

  it("requires IMDSv2 and an encrypted gp3 root volume sized per pool on every launch template", () => {
    const templates = resources(stackJson("fastgpu-us-east-1-infra"), "aws_launch_template");
    expect(templates).toHaveLength(4);
    for (const template of templates) {
      expect(template.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      expect(template.block_device_mappings).toEqual([
        expect.objectContaining({ device_name: "/dev/xvda", ebs: expect.objectContaining({ volume_type: "gp3", encrypted: "true" }) }),
      ]);
    }
    const h100 = templates.find((template) => template.name === "fastgpu-train-h100")!;
    expect((h100.block_device_mappings as { ebs: { volume_size: number } }[])[0].ebs.volume_size).toBe(500);
  });

  it("tags each GPU pool's Auto Scaling group so Cluster Autoscaler can scale it up from zero", () => {
    const east = stackJson("fastgpu-us-east-1-infra");
    const tags = resources(east, "aws_autoscaling_group_tag")
      .map((tag) => tag as { autoscaling_group_name: string; tag: { key: string; value: string; propagate_at_launch: boolean } })
      .filter((tag) => !tag.tag.propagate_at_launch); // the fleet's tags, for new instances, are propagated ones
    for (const facts of model.regions[0].pools) {
      const { pool } = facts;
      const expected = autoscalerTemplateTags(facts);
      const groupRef = new RegExp(`aws_eks_node_group\\.gpu-pool-${pool.name}_node-group_\\w+\\.resources\\[0\\]\\.autoscaling_groups\\[0\\]\\.name`);
      const actual = Object.fromEntries(tags.filter((tag) => groupRef.test(tag.autoscaling_group_name)).map((tag) => [tag.tag.key, tag.tag.value]));
      expect(actual).toEqual(expected);
    }
  });

  it("creates private, KMS-encrypted, TLS-only buckets with retention, and an immutable scanned ECR repository", () => {
    const east = stackJson("fastgpu-us-east-1-infra");
    expect(resources(east, "aws_s3_bucket").map((bucket) => bucket.bucket).sort()).toEqual([
      "fastgpu-artifacts-us-east-1-${data.aws_caller_identity.account.account_id}",
      "fastgpu-checkpoints-us-east-1-${data.aws_caller_identity.account.account_id}",
      "fastgpu-datasets-us-east-1-${data.aws_caller_identity.account.account_id}",
    ]);
    for (const encryption of resources(east, "aws_s3_bucket_server_side_encryption_configuration")) {
      expect(encryption.rule).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringContaining("aws_kms_key.data-key") }, bucket_key_enabled: true },
      ]);
    }
    for (const block of resources(east, "aws_s3_bucket_public_access_block")) {
      expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    }
    for (const policy of resources(east, "aws_s3_bucket_policy")) {
      const document = JSON.parse(policy.policy as string);
      expect(document.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    }
    // Versioning where the config asks for it: checkpoints and artifacts, not datasets.
    expect(resources(east, "aws_s3_bucket_versioning").map((v) => String(v.bucket)).sort()).toEqual([
      expect.stringContaining("bucket-artifacts"),
      expect.stringContaining("bucket-checkpoints"),
    ]);
    const checkpointsLifecycle = resources(east, "aws_s3_bucket_lifecycle_configuration").find((lifecycle) => String(lifecycle.bucket).includes("checkpoints"))!;
    expect(checkpointsLifecycle.rule).toEqual([
      expect.objectContaining({
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        expiration: [{ days: 180 }],
        noncurrent_version_expiration: [{ noncurrent_days: 14 }],
      }),
      { id: "expired-delete-markers", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ expired_object_delete_marker: true }] },
    ]);
    expect(resources(east, "aws_ecr_repository")).toEqual([
      expect.objectContaining({ name: "fastgpu/gpu-validate", image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true } }),
    ]);
  });

  it("gives Cluster Autoscaler a Pod Identity role limited to this cluster's node groups", () => {
    const east = stackJson("fastgpu-us-east-1-infra");
    expect(resources(east, "aws_eks_pod_identity_association")).toContainEqual(
      expect.objectContaining({ namespace: "kube-system", service_account: "cluster-autoscaler" }),
    );
    const policy = Object.entries(east.resource.aws_iam_role_policy).find(([id]) => id.startsWith("cluster-autoscaler-policy"))![1];
    const document = JSON.parse(policy.policy as string);
    expect(document.Statement[1].Condition).toEqual({ StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/fastgpu-us-east-1": "owned" } });
  });

  it("configures the platform stack's providers from the infra stack and installs a pinned Cluster Autoscaler", () => {
    const platform = stackJson("fastgpu-us-east-1-platform");
    const remoteState = platform.data?.terraform_remote_state ?? {};
    expect(Object.keys(remoteState)).toEqual(["cross-stack-reference-input-fastgpu-us-east-1-infra"]);
    expect(platform.provider!.kubernetes).toBeUndefined();
    const kubernetes = platform.provider!.helm[0].kubernetes as { host: string; exec: unknown };
    expect(kubernetes.host).toMatch(/data\.terraform_remote_state\.cross-stack-reference-input-fastgpu-us-east-1-infra\.outputs\./);
    expect(kubernetes.exec).toEqual({
      api_version: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", "fastgpu-us-east-1", "--region", "us-east-1"],
    });
    const [release] = resources(platform, "helm_release");
    expect(release).toMatchObject({
      chart: "cluster-autoscaler",
      repository: CHARTS.clusterAutoscaler.repository,
      version: CHARTS.clusterAutoscaler.version,
      namespace: "kube-system",
      atomic: true,
    });
    const values = String((release.values as string[])[0]);
    expect(values).toContain("clusterName: fastgpu-us-east-1");
    expect(values).toContain(`tag: ${KUBERNETES_VERSIONS["1.35"].clusterAutoscalerImageTag}`);
    expect(values).toContain("name: cluster-autoscaler");
  });

  it("installs the pinned GPU operator with the values lib/ computes for the region, and labels pools to match", () => {
    const platform = stackJson("fastgpu-us-east-1-platform");
    const operator = resources(platform, "helm_release").find((release) => release.name === "gpu-operator")!;
    expect(operator).toMatchObject({
      repository: CHARTS.gpuOperator.repository,
      chart: CHARTS.gpuOperator.chart,
      version: CHARTS.gpuOperator.version,
      namespace: "gpu-operator",
      create_namespace: true,
    });
    const east = model.regions[0];
    const values = parse((operator.values as string[])[0]);
    expect(values).toEqual(JSON.parse(JSON.stringify(gpuOperatorValues(east.pools.map((pool) => pool.sharing), [GPU_TAINT, VALIDATION_TAINT]))));

    const configKeys = Object.keys(values.devicePlugin.config.data);
    const gpuGroups = resources(stackJson("fastgpu-us-east-1-infra"), "aws_eks_node_group").filter((group) => group.ami_type === GPU_AMI_TYPE);
    const pluginLabels = Object.fromEntries(
      gpuGroups.map((group) => [group.node_group_name, (group.labels as Record<string, string>)["nvidia.com/device-plugin.config"]]),
    );
    expect(pluginLabels).toEqual({ "fastgpu-train-h100": "exclusive", "fastgpu-infer-l4": "time-slicing-x4", "fastgpu-mig-a100": "exclusive" });
    for (const key of Object.values(pluginLabels)) expect(configKeys).toContain(key);
  });

  it("gives the MIG pool's launch template the boot-time layout unit, and no other pool user data", () => {
    const templates = resources(stackJson("fastgpu-us-east-1-infra"), "aws_launch_template");
    const withUserData = templates.filter((template) => template.user_data !== undefined).map((template) => template.name);
    expect(withUserData).toEqual(["fastgpu-mig-a100"]);
    const mig = templates.find((template) => template.name === "fastgpu-mig-a100")!;
    const userData = Buffer.from(mig.user_data as string, "base64").toString("utf8");
    expect(userData).toContain('LAYOUT="2g.10gb:0,1g.5gb:2,1g.5gb:3,3g.20gb:4"');
    expect(userData).toContain("RequiredBy=kubelet.service");
  });

  it("installs Kueue from its OCI chart and our tenancy chart after it, from a copy inside the synth output", () => {
    const platform = stackJson("fastgpu-us-east-1-platform");
    const releases = Object.entries(platform.resource.helm_release);
    const [kueueId, kueue] = releases.find(([, release]) => release.name === "kueue")!;
    expect(kueue).toMatchObject({ repository: CHARTS.kueue.repository, chart: CHARTS.kueue.chart, version: CHARTS.kueue.version, namespace: "kueue-system" });
    const [, tenancy] = releases.find(([, release]) => release.name === "fastgpu-tenancy")!;
    expect(tenancy.depends_on).toEqual([`helm_release.${kueueId}`]);
    expect(tenancy.repository).toBeUndefined();
    const chartDir = path.join(outdir, "stacks/fastgpu-us-east-1-platform", tenancy.chart as string);
    expect(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8")).toContain("name: fastgpu-tenancy");
    const { objects } = parse((tenancy.values as string[])[0]);
    const east = model.regions[0];
    expect(objects).toEqual(JSON.parse(JSON.stringify(regionReleases(east).all.find((release) => release.name === "fastgpu-tenancy")!.objects)));
  });

  it("gives each tenant a Pod Identity role for its namespace's workload account, and enforces network policies", () => {
    const east = stackJson("fastgpu-us-east-1-infra");
    expect(resources(east, "aws_eks_pod_identity_association").filter((association) => association.service_account === "workload").map((association) => association.namespace).sort()).toEqual([
      "inference",
      "research",
    ]);
    const roles = resources(east, "aws_iam_role").map((role) => role.name);
    expect(roles).toEqual(expect.arrayContaining(["fastgpu-us-east-1-tenant-research", "fastgpu-us-east-1-tenant-inference"]));
    const cni = resources(east, "aws_eks_addon").find((addon) => addon.addon_name === "vpc-cni")!;
    expect(JSON.parse(cni.configuration_values as string)).toEqual({ enableNetworkPolicy: "true" });
  });

  it("installs the validation chart, then runs the deploy gate with the Jobs it creates, naming nodes and checks", () => {
    const platform = stackJson("fastgpu-us-east-1-platform");
    const [releaseId, release] = Object.entries(platform.resource.helm_release).find(([, candidate]) => candidate.name === "fastgpu-gpu-validation")!;
    expect(release).toMatchObject({ wait: false, atomic: false, namespace: "fastgpu-system" });
    const { objects } = parse((release.values as string[])[0]);
    // The chart holds the long-lived objects; the gate's Jobs are created by the gate itself.
    expect(objects.map((object: { kind: string }) => object.kind)).toEqual(expect.arrayContaining(["PriorityClass", "DaemonSet", "ClusterRole"]));
    expect(objects.map((object: { kind: string }) => object.kind)).not.toContain("Job");
    expect(JSON.stringify(objects)).toContain("${nonsensitive(data.terraform_remote_state.cross-stack-reference-input-fastgpu-us-east-1-infra.outputs.");
    const [gate] = Object.values(platform.resource.terraform_data);
    expect(gate.depends_on).toEqual([`helm_release.${releaseId}`]);
    const [{ "local-exec": exec }] = gate.provisioner as { "local-exec": { command: string; environment: Record<string, string> } }[];
    expect(exec.command).toBe('cd "$${FASTGPU_ROOT:-../../..}" && npm run --silent deploy-gate -- --region us-east-1 --cluster fastgpu-us-east-1 --timeout-minutes 40');
    expect(exec.environment.FASTGPU_K8S_SERVER).toMatch(/^\$\{nonsensitive\(data\.terraform_remote_state\./);
    expect(exec.environment.FASTGPU_VALIDATION_REPOSITORY).toMatch(/^\$\{nonsensitive\(data\.terraform_remote_state\..*repository_url\)\}$/);
    const jobs = JSON.parse(exec.environment.FASTGPU_DEPLOY_GATE_JOBS);
    expect(jobs.map((job: { metadata: { name: string } }) => job.metadata.name)).toEqual([(gate.triggers_replace as { jobs: string }).jobs]);
    expect((gate.triggers_replace as { jobs: string }).jobs).toMatch(/^gpu-validation-infer-l4-[0-9a-f]{8}$/);
    expect(jobs[0].spec.template.spec.containers[0].image).toBe(`${exec.environment.FASTGPU_VALIDATION_REPOSITORY_PLACEHOLDER}:${DEFAULT_VALIDATION_IMAGE_TAG}`);
  });

  it("reads the same through cdktf's Testing matchers", () => {
    const infra = fs.readFileSync(path.join(outdir, "stacks/fastgpu-us-west-2-infra/cdk.tf.json"), "utf8");
    expect(infra).toHaveResourceWithProperties(EksCluster, { name: "fastgpu-us-west-2", version: "1.35" });
    expect(infra).toHaveResourceWithProperties(EksNodeGroup, {
      node_group_name: "fastgpu-train-h100",
      instance_types: ["p5.48xlarge"],
      taint: [
        { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" },
        { key: "startup-taint.cluster-autoscaler.kubernetes.io/gpu-validation", value: "pending", effect: "NO_SCHEDULE" },
      ],
    });
    expect(infra).toHaveResourceWithProperties(S3BucketPublicAccessBlock, { block_public_policy: true });
    expect(infra).toHaveResourceWithProperties(EksPodIdentityAssociation, { service_account: "cluster-autoscaler" });
    const platform = fs.readFileSync(path.join(outdir, "stacks/fastgpu-us-west-2-platform/cdk.tf.json"), "utf8");
    expect(platform).not.toHaveProvider(KubernetesProvider);
    expect(platform).toHaveProvider(HelmProvider);
    expect(platform).toHaveResourceWithProperties(HelmRelease, { name: "cluster-autoscaler", version: CHARTS.clusterAutoscaler.version });
    expect(platform).not.toHaveResource(EksCluster);
  });

  it("is deterministic: synthesizing twice gives byte-identical output", () => {
    const again = path.join(tempDir(), "cdktf.out");
    withPlainStackTraces(() => synthFleet(loadFleetModel(DEFAULT_CONFIG_DIR), again));
    expect(readTree(again)).toEqual(readTree(outdir));
  });

  it("uses local state when fleet.yaml has no state bucket", () => {
    const dir = copyDefaultConfig();
    editYaml(path.join(dir, "fleet.yaml"), (doc) => doc.delete("state"));
    const local = path.join(tempDir(), "out");
    withPlainStackTraces(() => synthFleet(loadFleetModel(dir), local));
    const json = JSON.parse(fs.readFileSync(path.join(local, "stacks/fastgpu-us-east-1-infra/cdk.tf.json"), "utf8"));
    expect(json.terraform.backend).toEqual({ local: { path: expect.stringContaining("fastgpu-us-east-1-infra") } });
  });
});

describe("policies fail the synth and nothing is written", () => {
  const broken: [string, (stack: TerraformStack) => void, RegExp][] = [
    ["a bucket without KMS or a public access block", (stack) => new S3Bucket(stack, "raw-bucket", { bucket: "raw" }), /no SSE-KMS default encryption[\s\S]*may be public/],
    [
      "a GPU node group without the GPU taint",
      (stack) =>
        new EksNodeGroup(stack, "untainted", {
          clusterName: "c",
          nodeRoleArn: "arn",
          subnetIds: ["s"],
          amiType: "AL2023_x86_64_NVIDIA",
          scalingConfig: { minSize: 0, maxSize: 1, desiredSize: 0 },
        }),
      /GPU node group .*untainted lacks the taint nvidia\.com\/gpu=true:NoSchedule/,
    ],
    ["a launch template allowing IMDSv1", (stack) => new LaunchTemplate(stack, "imds-v1", { metadataOptions: { httpTokens: "optional" } }), /allows IMDSv1/],
    [
      "a Helm release without an exact version",
      (stack) => new HelmRelease(stack, "floating", { name: "x", chart: "x", repository: "https://example.com", version: "^1.2.0" }),
      /has version "\^1\.2\.0"; pin an exact version/,
    ],
  ];

  it.each(broken)("%s", (_name, addBrokenResource, message) => {
    const target = path.join(tempDir(), "cdktf.out");
    let thrown: unknown;
    try {
      withPlainStackTraces(() =>
        synthFleet(model, target, (app) => {
          const [first] = buildFleet(app, model);
          addBrokenResource(first.infra);
        }),
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    expect((thrown as PolicyError).message).toMatch(message);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });
});
