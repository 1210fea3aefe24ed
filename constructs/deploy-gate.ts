import { DataResource, Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { KubeObject } from "../lib/k8s/object";
import { deployGateCommand, deployGateJobsValue } from "../lib/validation/gate-command";
import { DEPLOY_GATE_ENV } from "../lib/naming";

export interface DeployGateProps {
  readonly region: string;
  readonly clusterName: string;
  readonly jobs: readonly KubeObject[];
  readonly repositoryPlaceholder: string;
  readonly repositoryUrl: string;
  readonly timeoutMinutes: number;
  readonly clusterEndpoint: string;
  readonly clusterCaData: string;
  readonly after: ITerraformDependable;
}

/**
 * The deploy gate: after the validation chart is installed, replaces the deploy-gate Jobs, waits for them
 * and fails the deploy naming each failing node and check. It runs again whenever the Jobs change (their
 * names carry a hash of their spec) or the gate is replaced (`cdktf deploy` after `terraform taint`).
 */
export class DeployGate extends Construct {
  constructor(scope: Construct, id: string, props: DeployGateProps) {
    super(scope, id);
    new DataResource(this, "wait", {
      triggersReplace: { jobs: props.jobs.map((job) => job.metadata.name).join(",") },
      dependsOn: [props.after],
      provisioners: [
        {
          type: "local-exec",
          command: deployGateCommand(props),
          // Not secrets (an endpoint, a public CA certificate, a repository URL), and a sensitive value anywhere
          // in a provisioner makes Terraform hide its output: the per-node results the deploy must show.
          environment: {
            [DEPLOY_GATE_ENV.server]: Fn.nonsensitive(props.clusterEndpoint),
            [DEPLOY_GATE_ENV.caData]: Fn.nonsensitive(props.clusterCaData),
            [DEPLOY_GATE_ENV.repository]: Fn.nonsensitive(props.repositoryUrl),
            [DEPLOY_GATE_ENV.repositoryPlaceholder]: props.repositoryPlaceholder,
            [DEPLOY_GATE_ENV.jobs]: deployGateJobsValue(props.jobs),
          },
        },
      ],
    });
  }
}
