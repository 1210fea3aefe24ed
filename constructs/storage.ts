import { Construct } from "constructs";
import { lifecycleRules } from "../lib/bucket-lifecycle";
import type { BucketConfig } from "../lib/config/schema";
import { tlsOnlyBucketPolicy } from "../lib/iam-policies";
import {
  KmsKey,
  S3Bucket,
  S3BucketEncryption,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketVersioning,
} from "./providers";

export interface SecureBucketProps {
  readonly bucketName: string;
  readonly kmsKey: KmsKey;
  readonly retention: BucketConfig;
}

/**
 * An S3 bucket that is private, KMS-encrypted with a bucket key (one KMS call per object per hour instead
 * of per request), TLS-only, owner-enforced, versioned when asked, with lifecycle retention. The policy
 * aspect checks that every bucket has these siblings.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: false });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketEncryption(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKey.arn },
          bucketKeyEnabled: true,
        },
      ],
    });
    const versioning = props.retention.versioning
      ? new S3BucketVersioning(this, "versioning", {
          bucket: this.bucket.id,
          versioningConfiguration: { status: "Enabled" },
        })
      : undefined;
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: lifecycleRules(props.retention),
      // Lifecycle rules on noncurrent versions need versioning to exist first.
      dependsOn: versioning ? [versioning] : undefined,
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket: this.bucket.id,
      policy: JSON.stringify(tlsOnlyBucketPolicy(this.bucket.arn)),
    });
  }
}
