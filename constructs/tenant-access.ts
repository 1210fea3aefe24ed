import { Construct } from "constructs";
import { podIdentityTrustPolicy } from "../lib/iam-policies";
import { tenantDataPolicy, type TenantBuckets } from "../lib/tenancy/access";
import { tenantAdminGroup, WORKLOAD_SERVICE_ACCOUNT } from "../lib/tenancy/namespace";
import { EksAccessEntry, EksCluster, EksPodIdentityAssociation, IamRole, IamRolePolicy } from "./providers";

export interface TenantAccessProps {
  readonly cluster: EksCluster;
  /** IAM role name for the tenant's workloads; see tenantRoleName. */
  readonly roleName: string;
  readonly tenant: string;
  readonly admins: readonly string[];
  readonly buckets: TenantBuckets;
}

/**
 * A tenant's AWS side: the IAM role its pods assume through EKS Pod Identity (service account `workload` in
 * its namespace) with access to its data only, and one EKS access entry per admin that puts the admin in the
 * Kubernetes group our RoleBinding grants `edit` in the tenant namespace (no cluster-wide access policy).
 */
export class TenantAccess extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: TenantAccessProps) {
    super(scope, id);
    this.role = new IamRole(this, "workload-role", {
      name: props.roleName,
      assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
    });
    new IamRolePolicy(this, "data-access", {
      role: this.role.name,
      policy: JSON.stringify(tenantDataPolicy(props.tenant, props.buckets)),
    });
    new EksPodIdentityAssociation(this, "workload-identity", {
      clusterName: props.cluster.name,
      namespace: props.tenant,
      serviceAccount: WORKLOAD_SERVICE_ACCOUNT,
      roleArn: this.role.arn,
    });
    props.admins.forEach((principalArn, index) => {
      new EksAccessEntry(this, `admin-${index}`, {
        clusterName: props.cluster.name,
        principalArn,
        type: "STANDARD",
        kubernetesGroups: [tenantAdminGroup(props.tenant)],
      });
    });
  }
}
