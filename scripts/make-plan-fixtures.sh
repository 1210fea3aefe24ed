#!/usr/bin/env bash
# Produces the plan JSON fixtures under test/fixtures/plans with a real Terraform-compatible binary, offline:
# configs of terraform_data resources only, applied and then changed, planned and shown as JSON. The binary is
# the one tools/toolchain/terraform.ts findTerraform picks (TERRAFORM_BINARY_NAME, terraform, tofu, the OpenTofu
# `npm run toolchain:tofu` built). Run it again after a Terraform upgrade.
#   scripts/make-plan-fixtures.sh [output dir]
#   TERRAFORM_BINARY_NAME=<cached tofu> scripts/make-plan-fixtures.sh test/fixtures/plans/opentofu
#
# Fixtures (<name>.summary.txt: the `Plan:` line the binary printed under its plan; <name>.comments.txt: the
# comment lines it printed above each resource, without the `# `):
#   no-changes.json                    a plan that changes nothing
#   create-update-replace-destroy.json one resource created, one updated, one replaced, one destroyed
#   moved-imported-forgotten.json      a `moved` block, `import` blocks (one import only, one with an update)
#                                      and a `removed` block with destroy = false (action ["forget"])
#   deposed.json                       a create_before_destroy replacement that failed half-way: the old object
#                                      is left deposed, the new one tainted
#   errored.json                       a plan that failed (a precondition): errored: true; errored.apply.txt is
#                                      what `apply` of it prints
#   incomplete.json                    a plan made with -target: complete: false
#   state.json                         `terraform show -json` without a plan file: the state, not a plan
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/test/fixtures/plans}"
tf="$(cd "$root" && node --import tsx -e '
  const { findTerraform, missingTerraformMessage } = require("./tools/toolchain/terraform");
  const binary = findTerraform();
  if (!binary) { console.error(missingTerraformMessage()); process.exit(1); }
  console.log(binary.path);
')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
# A CLI config path that does not exist only produces warnings (OpenTofu prints them on stdout, into the JSON).
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi

# scenario <name>: a fresh working directory for one scenario.
scenario() { mkdir -p "$work/$1" && cd "$work/$1"; }
config() { cat > main.tf.json; }
init_apply() { "$tf" init -input=false >/dev/null && "$tf" apply -input=false -auto-approve >/dev/null; }
# plan_fixture <name> [plan args]: plans, writes <name>.json, the binary's `Plan:` line to <name>.summary.txt
# and its resource comments to <name>.comments.txt.
plan_fixture() {
  local name="$1"; shift
  "$tf" plan -input=false -no-color -out=plan.bin "$@" > plan.txt
  "$tf" show -json plan.bin > "$out/$name.json"
  grep -E '^Plan: ' plan.txt > "$out/$name.summary.txt"
  grep -E '^ {0,2}# ' plan.txt | sed -E 's/^ {0,2}# //' > "$out/$name.comments.txt"
}

scenario basic
config <<'JSON'
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
init_apply
"$tf" plan -input=false -out=unchanged.plan >/dev/null
"$tf" show -json unchanged.plan > "$out/no-changes.json"
"$tf" show -json > "$out/state.json"
config <<'JSON'
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
plan_fixture create-update-replace-destroy
# A plan of one of the changed resources only.
"$tf" plan -input=false -out=targeted.plan -target=terraform_data.updated >/dev/null
"$tf" show -json targeted.plan > "$out/incomplete.json"

scenario moved
config <<'JSON'
{ "resource": { "terraform_data": { "old_name": { "input": "a" }, "kept_running": { "input": "b" } } } }
JSON
init_apply
config <<'JSON'
{
  "resource": {
    "terraform_data": {
      "new_name": { "input": "a" },
      "adopted": {},
      "adopted_and_changed": { "input": "set after import" }
    }
  },
  "moved": [{ "from": "terraform_data.old_name", "to": "terraform_data.new_name" }],
  "removed": [{ "from": "terraform_data.kept_running", "lifecycle": { "destroy": false } }],
  "import": [
    { "to": "terraform_data.adopted", "id": "made-elsewhere" },
    { "to": "terraform_data.adopted_and_changed", "id": "also-made-elsewhere" }
  ]
}
JSON
plan_fixture moved-imported-forgotten

scenario deposed
config <<'JSON'
{ "resource": { "terraform_data": { "swapped": { "input": "1", "lifecycle": { "create_before_destroy": true } } } } }
JSON
init_apply
# The replacement is created, then its provisioner fails: it stays tainted, and the old object stays deposed.
config <<'JSON'
{
  "resource": {
    "terraform_data": {
      "swapped": {
        "input": "1",
        "triggers_replace": ["2"],
        "lifecycle": { "create_before_destroy": true },
        "provisioner": [{ "local-exec": { "command": "exit 1" } }]
      }
    }
  }
}
JSON
if "$tf" apply -input=false -auto-approve >/dev/null 2>&1; then echo "deposed: the failing apply succeeded" >&2; exit 1; fi
config <<'JSON'
{ "resource": { "terraform_data": { "swapped": { "input": "1", "triggers_replace": ["2"], "lifecycle": { "create_before_destroy": true } } } } }
JSON
plan_fixture deposed

scenario errored
config <<'JSON'
{
  "variable": { "expected": { "default": "x" } },
  "resource": {
    "terraform_data": {
      "fine": { "input": "fine" },
      "checked": {
        "input": "x",
        "lifecycle": { "precondition": [{ "condition": "${var.expected == \"y\"}", "error_message": "Deliberate failure for the errored-plan fixture." }] }
      }
    }
  }
}
JSON
"$tf" init -input=false >/dev/null
if "$tf" plan -input=false -out=plan.bin >/dev/null 2>&1; then echo "errored: the failing plan succeeded" >&2; exit 1; fi
"$tf" show -json plan.bin > "$out/errored.json"
if "$tf" apply -input=false -no-color plan.bin > "$out/errored.apply.txt" 2>&1; then echo "errored: the errored plan applied" >&2; exit 1; fi

"$tf" version -json | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' > "$out/terraform-version.txt"
echo "wrote $out with $tf ($(cat "$out/terraform-version.txt"))"
