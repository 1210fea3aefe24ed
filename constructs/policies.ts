/**
 * Policies that run on every synth as cdktf Aspects. A violation is an error annotation on the offending
 * construct; `collectPolicyViolations` gathers them and the synth driver refuses to write any output.
 */
import { AnnotationMetadataEntryType, Annotations, Aspects, TerraformStack, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import { isExactVersion } from "../lib/versions";
import {
  EksNodeGroup,
  HelmRelease,
  LaunchTemplate,
  S3Bucket,
  S3BucketEncryption,
  S3BucketPublicAccessBlock,
} from "./providers";
import { GPU_TAINT, POOL_LABEL } from "../lib/naming";

type Resolvable<T> = T | { resolve: unknown } | undefined;

function plain<T>(value: Resolvable<T>): T | undefined {
  return value && typeof value === "object" && "resolve" in value ? undefined : (value as T | undefined);
}

/** Every bucket has an SSE-KMS default encryption and a public access block with all four switches on. */
export class BucketPolicy implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof S3Bucket)) return;
    const siblings = node.node.scope?.node.children ?? [];
    const encryption = siblings.find((child): child is S3BucketEncryption => child instanceof S3BucketEncryption);
    const rules = plain(encryption?.ruleInput) as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }[] | undefined;
    const usesKms = rules?.some((rule) => rule.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms");
    if (!usesKms) {
      Annotations.of(node).addError(
        `policy: bucket ${node.node.path} has no SSE-KMS default encryption; create buckets through SecureBucket`,
      );
    }
    const block = siblings.find((child): child is S3BucketPublicAccessBlock => child instanceof S3BucketPublicAccessBlock);
    const allBlocked =
      block &&
      [block.blockPublicAclsInput, block.blockPublicPolicyInput, block.ignorePublicAclsInput, block.restrictPublicBucketsInput].every(
        (flag) => flag === true,
      );
    if (!allBlocked) {
      Annotations.of(node).addError(
        `policy: bucket ${node.node.path} may be public: it needs a public access block with all four settings true`,
      );
    }
  }
}

/** Every GPU node group carries the GPU taint, so only pods that asked for GPUs land there. */
export class GpuTaintPolicy implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof EksNodeGroup)) return;
    const labels = plain(node.labelsInput) ?? {};
    const isGpuPool = POOL_LABEL in labels || (node.amiTypeInput ?? "").includes("NVIDIA");
    if (!isGpuPool) return;
    const taints = (plain(node.taintInput) ?? []) as { key?: string; value?: string; effect?: string }[];
    const tainted = taints.some(
      (taint) => taint.key === GPU_TAINT.key && taint.value === GPU_TAINT.value && taint.effect === "NO_SCHEDULE",
    );
    if (!tainted) {
      Annotations.of(node).addError(
        `policy: GPU node group ${node.node.path} lacks the taint ${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`,
      );
    }
  }
}

/** Every launch template requires IMDSv2 (session tokens); IMDSv1 leaks node credentials to SSRF. */
export class ImdsV2Policy implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof LaunchTemplate)) return;
    const metadata = plain(node.metadataOptionsInput) as { httpTokens?: string } | undefined;
    if (metadata?.httpTokens !== "required") {
      Annotations.of(node).addError(`policy: launch template ${node.node.path} allows IMDSv1; set metadataOptions.httpTokens to "required"`);
    }
  }
}

/** Every Helm release names one exact chart version, so a deploy installs what the preview showed. */
export class PinnedChartPolicy implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof HelmRelease)) return;
    if (!node.repositoryInput) return; // a local chart path is pinned by the commit
    if (!isExactVersion(node.versionInput)) {
      Annotations.of(node).addError(
        `policy: Helm release ${node.node.path} (${node.chartInput}) has version "${node.versionInput ?? ""}"; pin an exact version in lib/versions.ts`,
      );
    }
  }
}

export function applyPolicies(stack: TerraformStack): void {
  for (const policy of [new BucketPolicy(), new GpuTaintPolicy(), new ImdsV2Policy(), new PinnedChartPolicy()]) {
    Aspects.of(stack).add(policy);
  }
}

export interface PolicyViolation {
  readonly path: string;
  readonly message: string;
}

/** Error annotations anywhere under `scope` (policy violations and any other construct errors). */
export function collectPolicyViolations(scope: IConstruct): PolicyViolation[] {
  return scope.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === AnnotationMetadataEntryType.ERROR)
        .map((entry) => ({ path: construct.node.path, message: String(entry.data) })),
    );
}
