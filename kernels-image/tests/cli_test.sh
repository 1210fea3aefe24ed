#!/usr/bin/env bash
# Command-line behaviour of the real gpu-validate binary where no GPU is
# usable (CUDA_VISIBLE_DEVICES is emptied, so this also holds on GPU hosts):
# exit codes, --help/--list, and the could-not-run JSON report.
set -euo pipefail

binary=$1 report_check=$2 schema=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_exit CODE -- command...: runs the command, checks its exit status.
expect_exit() {
  local want=$1; shift; shift
  local got=0
  "$@" >"$work/out" 2>"$work/err" || got=$?
  [[ $got == "$want" ]] || fail "$* exited $got, expected $want; stderr: $(head -c 400 "$work/err")"
}

export CUDA_VISIBLE_DEVICES=""

expect_exit 0 -- "$binary" --help
grep -q "Exit: 0 pass, 1 a check failed" "$work/out" || fail "--help lacks the exit code summary"

expect_exit 0 -- "$binary" --list
for check in inventory mig-slice hbm-bandwidth memory-pattern gemm-correctness gemm-throughput pinned-bandwidth \
             sustained-load ecc-errors row-remap pcie-link clocks-under-load p2p-bandwidth node-consistency; do
  grep -q "^$check " "$work/out" || fail "--list lacks $check"
done
grep -q "^sustained-load .*full " "$work/out" || fail "--list does not mark sustained-load as full-only"

expect_exit 0 -- "$binary" --list-skus
for id in 0x2330 0x2335 0x20b0 0x20b2 0x2901 0x27b8 0x26b9 0x2237 0x1eb8; do
  grep -q "$id" "$work/out" || fail "--list-skus lacks $id"
done

expect_exit 0 -- "$binary" --version

# Bad usage: exit 3, no report.
expect_exit 3 -- "$binary" --profile medium
expect_exit 3 -- "$binary" --bogus
expect_exit 3 -- "$binary" --expect-gpus 0
expect_exit 3 -- "$binary" --inject-fault cosmic-ray
expect_exit 3 -- "$binary" --expect-mig-slices 1g.10gb
expect_exit 3 -- "$binary" --sharing exclusive --expect-mig-slices 1g.10gb=7
expect_exit 3 -- "$binary" --expect-sku H300 --json "$work/never.json"
[[ ! -e "$work/never.json" ]] || fail "bad usage wrote a report"
expect_exit 3 -- "$binary" --skus "$work/does-not-exist.json"
echo '{"schemaVersion": 1}' >"$work/bad-skus.json"
expect_exit 3 -- "$binary" --skus "$work/bad-skus.json"

# No GPU: exit 2 and a complete could-not-run report, written atomically.
expect_exit 2 -- "$binary" --profile quick --json "$work/report.json" --node-name test-node
[[ -s "$work/report.json" ]] || fail "no report written"
ls "$work" | grep -q '\.tmp\.' && fail "temporary report file left behind"
"$report_check" "$schema" "$work/report.json" --verdict could-not-run --exit 2 || fail "report does not match schema"
grep -q '"name": "test-node"' "$work/report.json" || fail "node name not in report"
grep -q '"reason": "cudaGetDeviceCount failed: ' "$work/report.json" || fail "report lacks the CUDA error as reason"
grep -q "VERDICT: COULD-NOT-RUN (exit 2)" "$work/out" || fail "table lacks the verdict"
# The real binary says it is the real binary, and what its one deadline was.
grep -q '"build": "gpu-validate"' "$work/report.json" || fail "report lacks tool.build gpu-validate"
grep -q '"seconds": 150' "$work/report.json" || fail "report lacks the quick profile's 150 s deadline"
grep -q '"expired": false' "$work/report.json" || fail "report says the deadline expired"
expect_exit 2 -- "$binary" --json "$work/deadline.json" --deadline 42.5
grep -q '"seconds": 42.5' "$work/deadline.json" || fail "--deadline 42.5 is not the report's deadline"

# --json - puts the JSON alone on stdout and the table on stderr.
expect_exit 2 -- "$binary" --json - --profile full
cp "$work/out" "$work/stdout.json"
"$report_check" "$schema" "$work/stdout.json" --verdict could-not-run || fail "stdout is not a valid report"
grep -q "VERDICT: COULD-NOT-RUN" "$work/err" || fail "table did not go to stderr"

# Injected faults are recorded even when nothing could run.
expect_exit 2 -- "$binary" --json "$work/injected.json" --inject-fault nvml-pending-remap --inject-fault slow-hbm
"$report_check" "$schema" "$work/injected.json" --fault nvml-pending-remap --fault slow-hbm || fail "faults not recorded"
grep -q "INJECTED FAULTS" "$work/out" || fail "table does not flag the injected faults"

# --termination-log: a short summary for Kubernetes, written for every verdict.
expect_exit 2 -- "$binary" --json - --node-name ip-10-40-9-9.ec2.internal --termination-log "$work/termination-log"
"$report_check" "$schema" "$work/out" --verdict could-not-run || fail "--termination-log changed the JSON on stdout"
[[ $(head -n 1 "$work/termination-log") == "gpu-validate could-not-run on ip-10-40-9-9.ec2.internal (exit 2)" ]] ||
  fail "termination log starts with '$(head -n 1 "$work/termination-log")'"
grep -q "^could not run: cudaGetDeviceCount failed: " "$work/termination-log" || fail "termination log lacks the reason"
grep -q "^node inventory: error: CUDA cannot enumerate GPUs" "$work/termination-log" || fail "termination log lacks inventory"
(($(wc -c <"$work/termination-log") < 4000)) || fail "termination log is 4000 bytes or more"
NODE_NAME=from-downward-api expect_exit 2 -- "$binary" --termination-log "$work/termination-log-env"
grep -q "^gpu-validate could-not-run on from-downward-api (exit 2)$" "$work/termination-log-env" ||
  fail "--node-name does not default to \$NODE_NAME"
# Unwritable: a warning, the verdict stands.
expect_exit 2 -- "$binary" --json "$work/r2.json" --termination-log "$work/no-such-dir/termination-log"
grep -q "warning: termination log not written (the verdict stands)" "$work/err" || fail "no warning for an unwritable log"
[[ -s $work/r2.json ]] || fail "an unwritable termination log stopped the report"
# Bad usage: no summary.
expect_exit 3 -- "$binary" --termination-log "$work/termination-log-usage" --bogus
[[ ! -e $work/termination-log-usage ]] || fail "bad usage wrote a termination log"
expect_exit 3 -- "$binary" --termination-log

# The checker itself must reject a report that lacks required fields.
sed 's/"schemaVersion"/"schemaVersionX"/' "$work/report.json" >"$work/broken.json"
if "$report_check" "$schema" "$work/broken.json" 2>/dev/null; then fail "report_check accepted a broken report"; fi
# ... and one whose values break the schema deeper down (types, enums, patterns, nested required fields).
for edit in 's/"profile": "quick"/"profile": "slow"/' 's/"cudaRuntimeVersion": "13.0"/"cudaRuntimeVersion": 13/' \
            's/"available": false/"available": "no"/' 's/"durationSeconds": [0-9.e-]*/"durationSeconds": -1/' \
            's/"skuTableUpdated"/"skuTableUpdatedX"/' 's/"status": "error"/"status": "broken"/'; do
  sed "$edit" "$work/report.json" >"$work/broken.json"
  cmp -s "$work/report.json" "$work/broken.json" && fail "edit '$edit' changed nothing (test is stale)"
  if "$report_check" "$schema" "$work/broken.json" 2>/dev/null; then fail "report_check accepted: $edit"; fi
done

if ((failures)); then
  echo "$failures CLI expectation(s) failed" >&2
  exit 1
fi
echo "CLI tests passed"
