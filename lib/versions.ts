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

/** The EKS AMI family for GPU nodes: the NVIDIA driver, container toolkit and fabric manager are preinstalled. */
export const GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA";
export const SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD";

/** A version string is an exact pin when it names one release: no ranges, wildcards or "latest". */
export function isExactVersion(version: string | undefined): boolean {
  return typeof version === "string" && /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(version);
}
