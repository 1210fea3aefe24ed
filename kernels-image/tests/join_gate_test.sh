#!/usr/bin/env bash
# scripts/join-gate.sh (fastgpu-join-gate) against a fake kubectl and a fake
# gpu-validate on PATH: what it labels, whether it removes the taint, the Event
# it creates (JSON that must parse, message escaping included) and its exit
# status when kubectl fails.
#   join_gate_test.sh PATH/TO/join-gate.sh
set -euo pipefail

gate=$1
work=$(mktemp -d)
trap '[[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

bin=$work/bin
mkdir -p "$bin"

# kubectl: records each call (one line of arguments) in $FAKE_DIR/kubectl.calls
# and the stdin of `create -f -` in $FAKE_DIR/event.json. FAKE_KUBECTL_FAIL
# names subcommands that fail; FAKE_TAINT_KEYS is what `get node` reports.
cat >"$bin/kubectl" <<'EOF'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_DIR/kubectl.calls"
for failing in ${FAKE_KUBECTL_FAIL:-}; do
  if [[ $1 == "$failing" ]]; then
    echo "error: fake kubectl told to fail $1" >&2
    exit 1
  fi
done
case $1 in
  create) cat >"$FAKE_DIR/event.json"; echo "event/${FAKE_NODE}.gpu-validation-x7k2p created" ;;
  label) echo "node/$3 labeled" ;;
  taint) echo "node/$3 untainted" ;;
  get)
    case "$*" in
      *metadata.uid*) printf '%s' "6f1c2a9e-58d4-4b0e-9a51-1d2e3f4a5b6c" ;;
      *spec.taints*) printf '%s\n' ${FAKE_TAINT_KEYS:-} ;;
    esac
    ;;
esac
EOF

# gpu-validate: exits FAKE_RC; writes a report (verdict FAKE_VERDICT, its
# deadline expired with FAKE_EXPIRED=1) to the --json file and FAKE_SUMMARY to
# the --termination-log file when told to. FAKE_HANG=1: never returns (the
# real sleep, not the fake one below).
real_sleep=$(PATH=/usr/bin:/bin command -v sleep)
cat >"$bin/gpu-validate" <<EOF
#!/usr/bin/env bash
[[ \${FAKE_HANG:-} == 1 ]] && exec "$real_sleep" 600
EOF
cat >>"$bin/gpu-validate" <<'EOF'
printf '%s\n' "$*" >"$FAKE_DIR/gpu-validate.args"
json="" termination=""
while (($#)); do
  case $1 in
    --json) json=$2; shift ;;
    --termination-log) termination=$2; shift ;;
  esac
  shift
done
echo "VERDICT: table for the log"
if [[ -n ${FAKE_VERDICT:-} && -n $json ]]; then
  expired=false
  [[ ${FAKE_EXPIRED:-} == 1 ]] && expired=true
  printf '{\n  "schemaVersion": 1,\n  "verdict": "%s",\n  "exitCode": %s,\n  "deadline": {\n    "expired": %s\n  }\n}\n' \
    "$FAKE_VERDICT" "$FAKE_RC" "$expired" >"$json"
fi
[[ -n ${FAKE_SUMMARY:-} && -n $termination ]] && printf '%s' "$FAKE_SUMMARY" >"$termination"
[[ -n ${FAKE_STDERR:-} ]] && printf '%s\n' "$FAKE_STDERR" >&2
exit "$FAKE_RC"
EOF

# sleep: records its argument, so `exec sleep infinity` is seen and returns.
cat >"$bin/sleep" <<'EOF'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_DIR/sleep.calls"
EOF
chmod +x "$bin"/*

node_name=ip-10-40-77-1.ec2.internal
label=fastgpu.io/gpu-validation
taint=startup-taint.cluster-autoscaler.kubernetes.io/gpu-validation

# run_gate CASE [VAR=value...] -- [gate arguments...]: runs the gate in a clean
# environment; the case directory gets out, err, rc and the fakes' records.
run_gate() {
  local case_dir=$work/$1
  shift
  mkdir -p "$case_dir"
  local vars=()
  while (($#)) && [[ $1 != -- ]]; do vars+=("$1"); shift; done
  shift
  local rc=0
  env -i PATH="$bin:/usr/bin:/bin" FAKE_DIR="$case_dir" FAKE_NODE="$node_name" NODE_NAME="$node_name" \
    POD_NAMESPACE=gpu-validation REPORT_DIR="$case_dir/report" TERMINATION_LOG="$case_dir/termination-log" \
    KUBECTL_RETRY_DELAY=0 JOIN_GATE_NO_SLEEP=1 "${vars[@]}" \
    bash "$gate" "$@" >"$case_dir/out" 2>"$case_dir/err" || rc=$?
  echo "$rc" >"$case_dir/rc"
  touch "$case_dir/kubectl.calls"
}

expect_rc() { [[ $(cat "$work/$1/rc") == "$2" ]] || fail "$1: exit $(cat "$work/$1/rc"), expected $2; log: $(tail -n 5 "$work/$1/err")"; }
expect_call() { grep -Fxq -- "$2" "$work/$1/kubectl.calls" || fail "$1: no kubectl call '$2' (calls: $(tr '\n' '|' <"$work/$1/kubectl.calls"))"; }
expect_no_call() { ! grep -q -- "^$2" "$work/$1/kubectl.calls" || fail "$1: unexpected kubectl $2 call"; }
expect_log() { grep -Fq -- "$2" "$work/$1/err" || fail "$1: log lacks '$2'"; }

# check_event CASE REASON EXPECTED_MESSAGE_FILE: the Event JSON parses and says what it should.
have_node=0
command -v node >/dev/null 2>&1 && have_node=1
check_event() {
  local event=$work/$1/event.json
  [[ -s $event ]] || { fail "$1: no Event was created"; return; }
  grep -Fq "\"reason\":\"$2\"" "$event" || fail "$1: Event reason is not $2"
  if ((!have_node)); then
    echo "SKIP: node is not on PATH; the Event JSON of $1 was not parsed"
    return
  fi
  node -e '
    const fs = require("fs");
    const [eventFile, reason, messageFile, nodeName] = process.argv.slice(1);
    const raw = fs.readFileSync(eventFile);
    const event = JSON.parse(raw.toString("utf8"));
    const expected = fs.readFileSync(messageFile, "utf8");
    const problems = [];
    const want = (what, ok) => { if (!ok) problems.push(what); };
    want("apiVersion v1", event.apiVersion === "v1");
    want("kind Event", event.kind === "Event");
    want("type Warning", event.type === "Warning");
    want("reason", event.reason === reason);
    want("namespace default", event.metadata.namespace === "default");
    want("generateName", event.metadata.generateName === nodeName + ".gpu-validation-");
    want("involvedObject", event.involvedObject.kind === "Node" && event.involvedObject.apiVersion === "v1" &&
         event.involvedObject.name === nodeName && event.involvedObject.namespace === undefined &&
         event.involvedObject.uid === "6f1c2a9e-58d4-4b0e-9a51-1d2e3f4a5b6c");
    want("source", event.source.component === "fastgpu-join-gate" && event.source.host === nodeName);
    want("count 1", event.count === 1);
    const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    want("timestamps", stamp.test(event.firstTimestamp) && event.lastTimestamp === event.firstTimestamp);
    want("message at most 1000 bytes", Buffer.byteLength(event.message, "utf8") <= 1000);
    want("message is valid UTF-8", !event.message.includes("\ufffd"));
    want("message " + JSON.stringify(event.message.slice(0, 200)) + " vs " + JSON.stringify(expected.slice(0, 200)),
         event.message === expected);
    if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
  ' "$event" "$2" "$3" "$node_name" || fail "$1: Event JSON is wrong (see above)"
}

# ---- pass: label passed, taint removed, no Event, the report on stdout, asleep after
run_gate pass FAKE_RC=0 FAKE_VERDICT=pass JOIN_GATE_NO_SLEEP= \
  FAKE_SUMMARY="gpu-validate pass on $node_name (exit 0)" -- --profile quick --expect-gpus 8
expect_rc pass 0
expect_call pass "label node $node_name $label=passed --overwrite"
expect_call pass "taint node $node_name $taint-"
expect_no_call pass create
cmp -s "$work/pass/out" "$work/pass/report/report.json" || fail "pass: stdout is not exactly the JSON report"
grep -Fxq -- "--profile quick --expect-gpus 8 --json $work/pass/report/report.json --termination-log $work/pass/termination-log" \
  "$work/pass/gpu-validate.args" || fail "pass: gpu-validate got $(cat "$work/pass/gpu-validate.args")"
expect_log pass "fastgpu-join-gate: removed taint $taint from node $node_name"
expect_log pass "fastgpu-join-gate: node $node_name passed GPU validation: gpu-validate pass on"
expect_log pass "VERDICT: table for the log"
[[ $(tail -n 1 "$work/pass/sleep.calls" 2>/dev/null) == infinity ]] || fail "pass: did not end in 'sleep infinity'"
[[ $(head -n 1 "$work/pass/kubectl.calls") == "label node $node_name $label=passed --overwrite" ]] ||
  fail "pass: the label must come before the taint removal"

# ---- pass where the taint is already gone (kubectl taint fails, get shows no such key)
run_gate pass-untainted FAKE_RC=0 FAKE_VERDICT=pass FAKE_KUBECTL_FAIL=taint FAKE_TAINT_KEYS=other/key -- --profile quick
expect_rc pass-untainted 0
expect_log pass-untainted "is not on node $node_name (already removed)"
run_gate pass-stuck FAKE_RC=0 FAKE_VERDICT=pass FAKE_KUBECTL_FAIL=taint FAKE_TAINT_KEYS="$taint" -- --profile quick
expect_rc pass-stuck 0
expect_log pass-stuck "WARNING: taint $taint may still be on node $node_name"

# ---- fail: label failed, taint kept, Event whose message survives quotes, backslashes and newlines
summary=$'gpu-validate fail on '"$node_name"$' (exit 1)\ngpu3 hbm-bandwidth: fail: 2100.5 GB/s vs floor 2345 GB/s: "slow" C:\\dir\\ \ttab\x01\ngpu5 row-remap: fail: 1 conditions vs limit 0 conditions: row remap pending \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80'
printf '%s' "$summary" >"$work/fail-message"
run_gate fail FAKE_RC=1 FAKE_VERDICT=fail FAKE_SUMMARY="$summary" -- --profile quick
expect_rc fail 0
expect_call fail "label node $node_name $label=failed --overwrite"
expect_no_call fail taint
expect_call fail "create -f -"
check_event fail GPUValidationFailed "$work/fail-message"
expect_log fail "did not pass GPU validation (exit 1); $taint stays on it"

# ---- could not run: fails closed
run_gate cnr FAKE_RC=2 FAKE_VERDICT=could-not-run \
  FAKE_SUMMARY=$'gpu-validate could-not-run on n (exit 2)\ncould not run: cudaGetDeviceCount failed' -- --profile quick
expect_rc cnr 0
expect_call cnr "label node $node_name $label=failed --overwrite"
expect_no_call cnr taint
printf '%s' $'gpu-validate could-not-run on n (exit 2)\ncould not run: cudaGetDeviceCount failed' >"$work/cnr-message"
check_event cnr GPUValidationCouldNotRun "$work/cnr-message"

# ---- a summary longer than an Event message: cut to 1000 bytes, never inside a
# character. Padding moves the cut through every byte of 3- and 4-byte characters.
check_long_summary() {  # CASE PADDING CHARACTER
  local long="gpu-validate fail on $node_name (exit 1)"$'\n'"$2" cut
  while ((${#long} < 1500)); do long+="$3"; done
  long+=$'\n"q" \\ end'
  run_gate "$1" FAKE_RC=1 FAKE_VERDICT=fail FAKE_SUMMARY="$long" -- --profile quick
  cut=$(LC_ALL=C; printf '%s' "${long:0:1000}")
  # The expected message: the cut without its partial character.
  while [[ -n $cut ]] && ! printf '%s' "$cut" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; do
    cut=$(LC_ALL=C; printf '%s' "${cut:0:${#cut}-1}")
  done
  printf '%s' "$cut" >"$work/$1-message"
  check_event "$1" GPUValidationFailed "$work/$1-message"
}
if ! command -v iconv >/dev/null 2>&1; then
  echo "SKIP: iconv is not on PATH; the 1000-byte cut of long summaries was not checked"
else
for padding in "" x xx xxx; do
  check_long_summary "long4-${#padding}" "$padding" $'\xf0\x9f\x98\x80'
done
for padding in "" x xx; do
  check_long_summary "long3-${#padding}" "$padding" $'\xe2\x82\xac'
done
check_long_summary long2 "" $'\xc3\xa9'
fi

# ---- bad usage (exit 3): labelled failed, Event says misconfigured with gpu-validate's complaint
run_gate usage FAKE_RC=3 FAKE_STDERR="gpu-validate: unknown argument '--bogus'" -- --bogus
expect_rc usage 0
expect_call usage "label node $node_name $label=failed --overwrite"
printf '%s' "gpu-validate rejected its arguments (exit 3): gpu-validate: unknown argument '--bogus'" \
  >"$work/usage-message"
check_event usage GPUValidationMisconfigured "$work/usage-message"

# ---- exit 0 without a report (--help among the arguments): nothing validated, never passed
run_gate help FAKE_RC=0 -- --help
expect_rc help 0
expect_call help "label node $node_name $label=failed --overwrite"
expect_no_call help taint
grep -Fq '"reason":"GPUValidationMisconfigured"' "$work/help/event.json" 2>/dev/null || fail "help: no Misconfigured Event"

# ---- killed (137): not proven good
run_gate killed FAKE_RC=137 -- --profile quick
expect_rc killed 0
expect_call killed "label node $node_name $label=failed --overwrite"
grep -Fq '"reason":"GPUValidationCouldNotRun"' "$work/killed/event.json" 2>/dev/null || fail "killed: no CouldNotRun Event"

# ---- the outer limit: gpu-validate's deadline (or its profile's) plus the grace, unless set
run_gate limit-default FAKE_RC=0 FAKE_VERDICT=pass -- --profile quick
expect_log limit-default "(outer limit 210 s)"
run_gate limit-full FAKE_RC=0 FAKE_VERDICT=pass -- --profile=full
expect_log limit-full "(outer limit 960 s)"
run_gate limit-deadline FAKE_RC=0 FAKE_VERDICT=pass GATE_TIMEOUT_GRACE=5 -- --deadline 42.5 --profile full
expect_log limit-deadline "(outer limit 48 s)"
run_gate limit-set FAKE_RC=0 FAKE_VERDICT=pass GATE_TIMEOUT_SECONDS=77 -- --deadline=30
expect_log limit-set "(outer limit 77 s)"

# ---- a gpu-validate that never returns (a GPU hung in a call): stopped at the
# limit, the node fails and its Event says timeout. The limit is one second; the
# hang is endless, so nothing here depends on how fast the machine is.
run_gate hang FAKE_HANG=1 GATE_TIMEOUT_SECONDS=1 GATE_TIMEOUT_KILL_AFTER=5 -- --profile quick
expect_rc hang 0
expect_call hang "label node $node_name $label=failed --overwrite"
expect_no_call hang taint
grep -Fq '"reason":"GPUValidationTimedOut"' "$work/hang/event.json" 2>/dev/null || fail "hang: no TimedOut Event"
grep -Fq "timeout: gpu-validate did not finish within the gate's 1 s limit (its own deadline: 150 s)" \
  "$work/hang/event.json" 2>/dev/null || fail "hang: the Event does not say timeout"
expect_log hang "did not pass GPU validation (timeout)"

# ---- gpu-validate's own deadline passed (exit 2, the report says expired): a timeout too
run_gate own-deadline FAKE_RC=2 FAKE_VERDICT=could-not-run FAKE_EXPIRED=1 \
  FAKE_SUMMARY=$'gpu-validate could-not-run on n (exit 2)\ncould not run: timeout: the 150 s deadline passed during gpu-checks' \
  -- --profile quick
expect_call own-deadline "label node $node_name $label=failed --overwrite"
grep -Fq '"reason":"GPUValidationTimedOut"' "$work/own-deadline/event.json" 2>/dev/null ||
  fail "own-deadline: no TimedOut Event"
grep -Fq 'could not run: timeout: the 150 s deadline passed' "$work/own-deadline/event.json" 2>/dev/null ||
  fail "own-deadline: the Event lacks the summary"

# ---- labelling fails: non-zero exit after three attempts, nothing else done
run_gate label-fails FAKE_RC=0 FAKE_VERDICT=pass FAKE_KUBECTL_FAIL=label -- --profile quick
[[ $(cat "$work/label-fails/rc") != 0 ]] || fail "label-fails: exited 0 although the node could not be labelled"
[[ $(grep -c '^label ' "$work/label-fails/kubectl.calls") == 3 ]] || fail "label-fails: expected 3 label attempts"
expect_no_call label-fails taint
expect_log label-fails "could not label node $node_name $label=passed; exiting so Kubernetes restarts the gate"
run_gate label-fails-on-fail FAKE_RC=1 FAKE_VERDICT=fail FAKE_SUMMARY=x FAKE_KUBECTL_FAIL=label -- --profile quick
[[ $(cat "$work/label-fails-on-fail/rc") != 0 ]] || fail "label-fails-on-fail: exited 0 without a label"
expect_no_call label-fails-on-fail create

# ---- the Event cannot be created: logged, the label stands, no restart
run_gate event-fails FAKE_RC=1 FAKE_VERDICT=fail FAKE_SUMMARY=x FAKE_KUBECTL_FAIL=create -- --profile quick
expect_rc event-fails 0
expect_log event-fails "could not record the Event"

# ---- /dev/termination-log not writable: the summary goes to REPORT_DIR
run_gate fallback FAKE_RC=1 FAKE_VERDICT=fail FAKE_SUMMARY="fallback summary" \
  TERMINATION_LOG="$work/no-such-dir/termination-log" -- --profile quick
grep -Fq -- "--termination-log $work/fallback/report/termination-log" "$work/fallback/gpu-validate.args" ||
  fail "fallback: gpu-validate got $(cat "$work/fallback/gpu-validate.args")"
grep -Fq '"message":"fallback summary"' "$work/fallback/event.json" 2>/dev/null || fail "fallback: summary not used"

# ---- NODE_NAME missing: refuses before validating anything
run_gate no-node NODE_NAME= FAKE_RC=0 -- --profile quick
[[ $(cat "$work/no-node/rc") != 0 ]] || fail "no-node: exited 0 without NODE_NAME"
[[ ! -e $work/no-node/gpu-validate.args ]] || fail "no-node: ran gpu-validate"
[[ ! -s $work/no-node/kubectl.calls ]] || fail "no-node: called kubectl"

if ((failures)); then
  echo "$failures join-gate expectation(s) failed" >&2
  exit 1
fi
echo "join-gate tests passed"
