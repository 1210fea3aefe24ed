/**
 * S3 lifecycle rules from a bucket's retention options. The shape matches the Terraform
 * `aws_s3_bucket_lifecycle_configuration` rule block, so the storage construct passes it through.
 */
import type { BucketConfig } from "./config/schema";

export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: { readonly prefix: string }[];
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number }[];
  readonly expiration?: ({ readonly days: number } | { readonly expiredObjectDeleteMarker: true })[];
  readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number }[];
  readonly transition?: { readonly days: number; readonly storageClass: string }[];
}

export function lifecycleRules(bucket: BucketConfig): LifecycleRule[] {
  const rules: LifecycleRule[] = [
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
  // In a versioned bucket, expiring or deleting an object leaves a delete marker; once noncurrent-version expiration
  // has removed the versions under it, the marker is "expired" and lists, costs and clutters forever unless a rule
  // removes it. S3 takes that in its own rule: an expiration cannot hold both `days` and `expired_object_delete_marker`
  // (S3 User Guide, "Lifecycle configuration elements", Expiration; read 2026-12-02).
  if (bucket.versioning && bucket.noncurrentVersionExpireAfterDays !== undefined) {
    rules.push({
      id: "expired-delete-markers",
      status: "Enabled",
      filter: [{ prefix: "" }],
      expiration: [{ expiredObjectDeleteMarker: true }],
    });
  }
  return rules;
}
