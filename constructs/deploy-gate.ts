import { DataResource, Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { deployGateCommand, type GateJob } from "../lib/validation/gate-command";

export interface DeployGateProps {
  readonly region: string;
  readonly clusterName: string;
  readonly jobs: readonly GateJob[];
  readonly timeoutMinutes: number;
  readonly clusterEndpoint: string;
  readonly clusterCaData: string;
  readonly after: ITerraformDependable;
}

/**
 * The deploy gate: after the validation chart is installed, waits for every deploy-gate Job and fails the
 * deploy naming each failing node and check (Helm's own wait would only say "job failed"). It runs again
 * whenever the gate Jobs change (their names carry a hash of their spec).
 */
export class DeployGate extends Construct {
  constructor(scope: Construct, id: string, props: DeployGateProps) {
    super(scope, id);
    new DataResource(this, "wait", {
      triggersReplace: { jobs: props.jobs.map((job) => job.job).join(",") },
      dependsOn: [props.after],
      provisioners: [
        {
          type: "local-exec",
          command: deployGateCommand(props),
          // Not secrets (an endpoint and a public CA certificate), and a sensitive value anywhere in a
          // provisioner makes Terraform hide its output: the per-node results the deploy must show.
          environment: {
            FASTGPU_K8S_SERVER: Fn.nonsensitive(props.clusterEndpoint),
            FASTGPU_K8S_CA_DATA: Fn.nonsensitive(props.clusterCaData),
          },
        },
      ],
    });
  }
}
