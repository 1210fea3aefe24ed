/**
 * Every provider binding FastGPU uses, imported by deep path. The package roots load ~2,200 modules
 * (seconds and ~1 GB per synth); deep paths load only what we use. Keeping them in this one file makes a
 * move to the CDK Terrain fork (`@cdktn/provider-*`) a one-file change.
 */
export { AwsProvider } from "@cdktf/provider-aws/lib/provider";
export { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
export { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
export { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
export { DataAwsEc2InstanceTypeOfferings } from "@cdktf/provider-aws/lib/data-aws-ec2-instance-type-offerings";
export { DataAwsEcrImages } from "@cdktf/provider-aws/lib/data-aws-ecr-images";
export { Vpc } from "@cdktf/provider-aws/lib/vpc";
export { Subnet } from "@cdktf/provider-aws/lib/subnet";
export { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
export { Eip } from "@cdktf/provider-aws/lib/eip";
export { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
export { RouteTable } from "@cdktf/provider-aws/lib/route-table";
export { Route } from "@cdktf/provider-aws/lib/route";
export { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
export { Ec2TransitGatewayVpcAttachment } from "@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment";
export { VpnGatewayAttachment } from "@cdktf/provider-aws/lib/vpn-gateway-attachment";
export { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
export { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
export { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
export { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
export { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
export { IamRole } from "@cdktf/provider-aws/lib/iam-role";
export { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
export { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
export { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
export { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
export { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
export { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
export { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
export { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
export { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
export { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
export { AutoscalingGroupTagA as AutoscalingGroupTag } from "@cdktf/provider-aws/lib/autoscaling-group-tag";
export { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
export { S3BucketServerSideEncryptionConfigurationA as S3BucketEncryption } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
export { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
export { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
export { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
export { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
export { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
export { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
export { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
/** Unused by the stacks (no kubernetes_* resource); kept for tests that check the platform stack does not declare it. */
export { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
export { HelmProvider } from "@cdktf/provider-helm/lib/provider";
export { Release as HelmRelease } from "@cdktf/provider-helm/lib/release";
