/**
 * A tenant's AWS identity: an IAM role its pods get through EKS Pod Identity (service account `workload` in
 * its namespace), reading every dataset and reading/writing only its own prefix of the checkpoints and
 * artifacts buckets.
 */
import type { PolicyDocument } from "../iam-policies";

export interface TenantBuckets {
  readonly datasetsArn: string;
  readonly checkpointsArn: string;
  readonly artifactsArn: string;
  readonly dataKeyArn: string;
}

/** The S3 prefix a tenant owns in the shared checkpoints and artifacts buckets. */
export function tenantPrefix(tenant: string): string {
  return `${tenant}/`;
}

export function tenantDataPolicy(tenant: string, buckets: TenantBuckets): PolicyDocument {
  const prefix = tenantPrefix(tenant);
  const owned = [buckets.checkpointsArn, buckets.artifactsArn];
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadDatasets", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${buckets.datasetsArn}/*` },
      { Sid: "ListDatasets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: buckets.datasetsArn },
      {
        Sid: "ReadWriteOwnPrefix",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: owned.map((arn) => `${arn}/${prefix}*`),
      },
      {
        Sid: "ListOwnPrefix",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: owned,
        Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
      },
      {
        Sid: "UseDataKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: buckets.dataKeyArn,
      },
    ],
  };
}
