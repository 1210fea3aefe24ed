#!/usr/bin/env bash
# Needs one healthy GPU (registered with -DGPU_VALIDATE_GPU_TESTS=ON): a clean
# quick run passes, and each injected fault fails its own check with exit 1.
set -euo pipefail

binary=$1 report_check=$2 schema=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

code=0
"$binary" --profile quick --json "$work/clean.json" >"$work/clean.txt" 2>&1 || code=$?
[[ $code == 0 ]] || fail "clean run exited $code: $(tail -n 30 "$work/clean.txt")"

declare -A check_of=(
  [memory-bitflip]=memory-pattern [gemm-corrupt]=gemm-correctness [nvml-pending-remap]=row-remap
  [nvml-uncorrectable-ecc]=ecc-errors [nvml-pcie-degraded]=pcie-link [nvml-thermal-throttle]=clocks-under-load
  [gpu-missing]=inventory [slow-hbm]=hbm-bandwidth)
for fault in "${!check_of[@]}"; do
  code=0
  "$binary" --profile quick --inject-fault "$fault" --json "$work/$fault.json" >"$work/$fault.txt" 2>&1 || code=$?
  [[ $code == 1 ]] || fail "$fault: exit $code, expected 1"
  "$report_check" "$schema" "$work/$fault.json" --verdict fail --status "${check_of[$fault]}=fail" --fault "$fault" ||
    fail "$fault did not fail ${check_of[$fault]}"
done
((failures == 0)) || { echo "$failures GPU fault expectation(s) failed" >&2; exit 1; }
echo "GPU fault-injection tests passed"
