import { Construct } from "constructs";
import { EcrLifecyclePolicy, EcrRepository, type KmsKey } from "./providers";

export interface ValidationImageRepositoryProps {
  readonly name: string;
  readonly kmsKey: KmsKey;
}

/** ECR repository for the GPU validation image: immutable tags, scan on push, KMS-encrypted. */
export class ValidationImageRepository extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: ValidationImageRepositoryProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, "repository", {
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.kmsKey.arn }],
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "Drop untagged layers left by failed pushes",
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
            action: { type: "expire" },
          },
        ],
      }),
    });
  }
}
