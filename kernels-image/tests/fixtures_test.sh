#!/usr/bin/env bash
# The committed sample reports (tests/fixtures/reports/).
#   fixtures_test.sh generated SAMPLE_REPORTS FIXTURES_DIR OUT_DIR
#     runs sample_reports into OUT_DIR and compares every file byte for byte
#     with the committed copy, so the fixtures never drift from the code.
#   fixtures_test.sh schema REPORT_CHECK SCHEMA FIXTURES_DIR
#     validates every committed fixture against the schema (report_check; also
#     python3 jsonschema when installed) with the verdict each must carry.
set -euo pipefail

mode=$1
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The generated fixtures; no-gpu.json comes from the real binary instead.
generated=(pass-h100-node.json fail-h100-node.json pass-l4-timeslice.json fail-l4-timeslice.json
           pass-a100-mig.json)

case $mode in
  generated)
    sample_reports=$2 fixtures=$3 out=$4
    rm -rf "$out"
    mkdir -p "$out"
    "$sample_reports" "$out" >/dev/null
    for name in "${generated[@]}"; do
      [[ -f $out/$name ]] || fail "sample_reports did not write $name"
      # Synthetic, and saying so inside: consumers can tell them from a real report.
      grep -q '"build": "sample_reports"' "$out/$name" || fail "$name does not say tool.build sample_reports"
      grep -q '"name": "sample-' "$out/$name" || fail "$name has no sample- node name"
      grep -q '"cublas": false' "$out/$name" || fail "$name claims cuBLAS (sample_reports has none)"
    done
    for produced in "$out"/*.json; do
      name=$(basename "$produced")
      if [[ ! -f $fixtures/$name ]]; then
        fail "$name is generated but not committed under $fixtures"
      elif ! cmp -s "$produced" "$fixtures/$name"; then
        fail "$name differs from the committed copy (- committed, + generated now):"
        diff -u "$fixtures/$name" "$produced" | head -n 60 >&2 || true
      fi
    done
    for committed in "$fixtures"/*.json; do
      name=$(basename "$committed")
      [[ $name == no-gpu.json || -f $out/$name ]] || fail "$name is committed but no longer generated (stale)"
    done
    if ((failures)); then
      echo "The sample reports no longer match the code. If the change is intended, regenerate and commit them:" >&2
      echo "  $sample_reports $fixtures" >&2
      exit 1
    fi
    echo "fixtures match the code (${#generated[@]} reports)"
    ;;

  schema)
    report_check=$2 schema=$3 fixtures=$4
    declare -A expect=(
      [pass-h100-node.json]="--verdict pass --exit 0 --status hbm-bandwidth=pass --status gemm-throughput=pass
                             --status pinned-bandwidth=pass --status p2p-bandwidth=pass --status node-consistency=pass"
      [fail-h100-node.json]="--verdict fail --exit 1 --status hbm-bandwidth=fail --status row-remap=fail
                             --status node-consistency=fail"
      [pass-l4-timeslice.json]="--verdict pass --exit 0 --status hbm-bandwidth=skip --status gemm-throughput=skip
                                --status gemm-correctness=pass --status ecc-errors=pass"
      [fail-l4-timeslice.json]="--verdict fail --exit 1 --status ecc-errors=fail --status pcie-link=fail"
      [pass-a100-mig.json]="--verdict pass --exit 0 --status mig-slice=pass --status row-remap=skip
                            --status p2p-bandwidth=skip --status pinned-bandwidth=skip"
      [no-gpu.json]="--verdict could-not-run --exit 2 --status inventory=error"
    )
    [[ -f $fixtures/no-gpu.json ]] || fail "no-gpu.json (the real binary's report on a GPU-less machine) is missing"
    count=0
    for file in "$fixtures"/*.json; do
      name=$(basename "$file")
      if [[ -z ${expect[$name]+set} ]]; then
        fail "$name has no expectation in fixtures_test.sh; add one"
        continue
      fi
      # shellcheck disable=SC2086  # the expectation is a list of arguments
      "$report_check" "$schema" "$file" ${expect[$name]} || fail "$name does not hold (see report_check above)"
      count=$((count + 1))
    done
    # A second, independent validator where one is installed.
    if command -v python3 >/dev/null 2>&1 && python3 -c 'import jsonschema' 2>/dev/null; then
      python3 - "$schema" "$fixtures"/*.json <<'EOF' || fail "python jsonschema rejected a fixture"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    for error in validator.iter_errors(json.load(open(path))):
        bad += 1
        print(f"jsonschema: {path}: {'/'.join(map(str, error.path))}: {error.message}", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    else
      echo "SKIP: python3 jsonschema not installed; validated with report_check only"
    fi
    if ((failures)); then exit 1; fi
    echo "$count fixtures satisfy the schema and carry their expected verdicts"
    ;;

  *)
    echo "usage: fixtures_test.sh generated|schema ..." >&2
    exit 2
    ;;
esac
