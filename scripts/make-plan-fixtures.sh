#!/usr/bin/env bash
# Produces the plan JSON fixtures under test/fixtures/plans with the real terraform binary, offline: a config
# of terraform_data resources is applied, then changed so that one resource is created, one updated, one
# replaced and one destroyed, and planned. Run it again after a Terraform upgrade.
#   scripts/make-plan-fixtures.sh [output dir]
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/plans}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cd "$work"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
# A CLI config path that does not exist only produces warnings; this config needs none.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi

cat > main.tf.json <<'JSON'
{
  "resource": {
    "terraform_data": {
      "unchanged": { "input": "same" },
      "updated": { "input": "before" },
      "replaced": { "input": "x", "triggers_replace": ["1"] },
      "destroyed": { "input": "going" }
    }
  }
}
JSON
terraform init -input=false >/dev/null
terraform apply -input=false -auto-approve >/dev/null

terraform plan -input=false -out=unchanged.plan >/dev/null
terraform show -json unchanged.plan > "$out/no-changes.json"

cat > main.tf.json <<'JSON'
{
  "resource": {
    "terraform_data": {
      "unchanged": { "input": "same" },
      "updated": { "input": "after" },
      "replaced": { "input": "x", "triggers_replace": ["2"] },
      "created": { "input": "new" }
    }
  }
}
JSON
terraform plan -input=false -no-color -out=changed.plan > plan.txt
terraform show -json changed.plan > "$out/create-update-replace-destroy.json"
grep -E '^Plan: ' plan.txt > "$out/create-update-replace-destroy.summary.txt"
terraform version -json | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' > "$out/terraform-version.txt"
echo "wrote $out"
