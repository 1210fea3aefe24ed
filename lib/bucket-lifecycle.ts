/**
 * S3 lifecycle rules from a bucket's retention options. The shape matches the Terraform
 * `aws_s3_bucket_lifecycle_configuration` rule block, so the storage construct passes it through.
 */
import type { BucketConfig } from "./config/schema";

export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: { readonly prefix: string }[];
  readonly abortIncompleteMultipartUpload: { readonly daysAfterInitiation: number }[];
  readonly expiration?: { readonly days: number }[];
  readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number }[];
  readonly transition?: { readonly days: number; readonly storageClass: string }[];
}

export function lifecycleRules(bucket: BucketConfig): LifecycleRule[] {
  return [
    {
      id: "retention",
      status: "Enabled",
      // An empty prefix applies the rule to the whole bucket.
      filter: [{ prefix: "" }],
      // Failed multi-GB checkpoint uploads otherwise leave billed parts behind forever.
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: bucket.abortIncompleteMultipartUploadAfterDays }],
      ...(bucket.expireAfterDays !== undefined ? { expiration: [{ days: bucket.expireAfterDays }] } : {}),
      ...(bucket.noncurrentVersionExpireAfterDays !== undefined
        ? { noncurrentVersionExpiration: [{ noncurrentDays: bucket.noncurrentVersionExpireAfterDays }] }
        : {}),
      ...(bucket.intelligentTieringAfterDays !== undefined
        ? { transition: [{ days: bucket.intelligentTieringAfterDays, storageClass: "INTELLIGENT_TIERING" }] }
        : {}),
    },
  ];
}
