/** Resource types whose destruction loses data or running work: called out at the top of a preview. */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  aws_s3_bucket: "datasets, checkpoints or artifacts",
  aws_kms_key: "the key that decrypts data and secrets",
  aws_eks_cluster: "the cluster and every workload in it",
  aws_vpc: "the network under the whole region",
  aws_ecr_repository: "validation images",
  aws_cloudwatch_log_group: "control-plane audit logs",
  aws_eks_node_group: "the pool's nodes and the jobs running on them",
  helm_release: "the objects the release installed (CRDs, queues, tenant namespaces)",
};

export function statefulReason(type: string): string | undefined {
  return STATEFUL_TYPES[type];
}
