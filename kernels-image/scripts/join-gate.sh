#!/usr/bin/env bash
# fastgpu-join-gate: the node-join gate (installed in the image as
# /usr/local/bin/fastgpu-join-gate). GPU nodes join tainted
# (GATE_TAINT_KEY=pending:NoSchedule); a DaemonSet runs this on them, holding
# the pool's GPUs. It runs gpu-validate, then labels the node with the result:
#   pass                 -> RESULT_LABEL=passed, the taint is removed
#   fail / could not run -> RESULT_LABEL=failed, the taint stays (fail closed),
#                           a Warning Event about the Node says why
#   timeout              -> the same, Event GPUValidationTimedOut: gpu-validate
#                           reported its deadline passed (exit 2), or did not
#                           end within the outer limit and was killed
#   bad usage            -> RESULT_LABEL=failed, Event GPUValidationMisconfigured
# After labelling it sleeps: the DaemonSet's node affinity excludes labelled
# nodes, so the controller removes the pod. Exiting instead would restart the
# container and validate again. It exits non-zero only when labelling fails,
# so Kubernetes restarts it and the node is validated again.
#
# Usage: fastgpu-join-gate [gpu-validate arguments...]
# Environment:
#   NODE_NAME        required, from the downward API (spec.nodeName)
#   GATE_TAINT_KEY   default startup-taint.cluster-autoscaler.kubernetes.io/gpu-validation
#   RESULT_LABEL     default fastgpu.io/gpu-validation
#   REPORT_DIR       default /tmp (report.json, gpu-validate's stderr)
#   EVENT_NAMESPACE  default "default": the API server accepts core/v1 Events
#                    about a Node (cluster-scoped) only in "default"
#   POD_NAMESPACE    optional, logged for context
#   TERMINATION_LOG  default /dev/termination-log (REPORT_DIR/termination-log
#                    when that is not writable)
#   GATE_TIMEOUT_SECONDS the outer limit on gpu-validate; default: its own
#                    --deadline (else 150 quick / 900 full) + GATE_TIMEOUT_GRACE
#   GATE_TIMEOUT_GRACE   seconds on top of the deadline for start-up and the
#                    report, default 60; GATE_TIMEOUT_KILL_AFTER: SIGKILL this
#                    long after the SIGTERM, default 10
#   KUBECTL_RETRY_DELAY  seconds before the 2nd and (doubled) 3rd kubectl attempt, default 2
#   JOIN_GATE_NO_SLEEP=1 test only: return after labelling instead of sleeping
# RBAC: nodes get+patch (label, taint, uid), events create in EVENT_NAMESPACE.
set -euo pipefail

readonly default_taint_key=startup-taint.cluster-autoscaler.kubernetes.io/gpu-validation
GATE_TAINT_KEY=${GATE_TAINT_KEY:-$default_taint_key}
RESULT_LABEL=${RESULT_LABEL:-fastgpu.io/gpu-validation}
REPORT_DIR=${REPORT_DIR:-/tmp}
EVENT_NAMESPACE=${EVENT_NAMESPACE:-default}
KUBECTL_RETRY_DELAY=${KUBECTL_RETRY_DELAY:-2}
GATE_TIMEOUT_GRACE=${GATE_TIMEOUT_GRACE:-60}
GATE_TIMEOUT_KILL_AFTER=${GATE_TIMEOUT_KILL_AFTER:-10}
readonly event_message_max_bytes=1000

log() { printf 'fastgpu-join-gate: %s\n' "$*" >&2; }

# JSON string body (no quotes) of $1: backslash, quote and every control
# character escaped. Byte-wise (C locale): ASCII never occurs inside a UTF-8
# multi-byte sequence, so those pass through untouched.
json_escape() {
  local LC_ALL=C
  local s=$1 code char escaped
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  for ((code = 1; code < 32; code++)); do
    ((code == 9 || code == 10 || code == 13)) && continue
    printf -v char "\\x$(printf %02x "$code")"
    [[ $s == *"$char"* ]] || continue
    printf -v escaped '\\u%04x' "$code"
    s=${s//"$char"/"$escaped"}
  done
  printf '%s' "$s"
}

# The first $2 bytes of $1, without a UTF-8 sequence cut in half (the input
# is assumed valid UTF-8; an incomplete sequence can only be at the cut).
cut_bytes() {
  local LC_ALL=C
  local s=${1:0:$2}
  local lead2=$'[\xc0-\xff]' lead3=$'[\xe0-\xff]' lead4=$'[\xf0-\xff]' cont=$'[\x80-\xbf]'
  if [[ $s == *$lead2 ]]; then
    s=${s:0:${#s}-1}
  elif [[ $s == *$lead3$cont ]]; then
    s=${s:0:${#s}-2}
  elif [[ $s == *$lead4$cont$cont ]]; then
    s=${s:0:${#s}-3}
  fi
  printf '%s' "$s"
}

# kubectl with its output logged; up to three attempts for transient API errors.
kube() {
  local attempt output status delay=$KUBECTL_RETRY_DELAY stdin=""
  [[ ${1:-} == --stdin ]] && { stdin=$2; shift 2; }
  for attempt in 1 2 3; do
    status=0
    output=$(kubectl "$@" 2>&1 <<<"$stdin") || status=$?
    if ((status == 0)); then
      [[ -z $output ]] || log "kubectl $1: $output"
      return 0
    fi
    log "kubectl $* failed (exit $status, attempt $attempt of 3): $output"
    if ((attempt < 3)); then
      sleep "$delay"
      delay=$((delay * 2))
    fi
  done
  return "$status"
}

label_node() {
  if ! kube label node "$NODE_NAME" "$RESULT_LABEL=$1" --overwrite; then
    log "could not label node $NODE_NAME $RESULT_LABEL=$1; exiting so Kubernetes restarts the gate"
    exit 1
  fi
  log "labelled node $NODE_NAME $RESULT_LABEL=$1"
}

remove_taint() {
  if kube taint node "$NODE_NAME" "$GATE_TAINT_KEY-"; then
    log "removed taint $GATE_TAINT_KEY from node $NODE_NAME"
    return 0
  fi
  # kubectl fails when the taint is already gone; that is the state we want.
  local keys
  if keys=$(kubectl get node "$NODE_NAME" -o jsonpath='{range .spec.taints[*]}{.key}{"\n"}{end}' 2>&1) &&
    ! grep -Fxq -- "$GATE_TAINT_KEY" <<<"$keys"; then
    log "taint $GATE_TAINT_KEY is not on node $NODE_NAME (already removed)"
  else
    log "WARNING: taint $GATE_TAINT_KEY may still be on node $NODE_NAME; remove it by hand:" \
      "kubectl taint node $NODE_NAME $GATE_TAINT_KEY-"
  fi
}

# Warning Event about the Node: $1 reason, $2 message.
record_event() {
  local reason=$1 message now uid uid_field="" prefix event
  message=$(cut_bytes "$2" "$event_message_max_bytes")
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # The Node's uid lets `kubectl describe node` list the Event; optional.
  if uid=$(kubectl get node "$NODE_NAME" -o jsonpath='{.metadata.uid}' 2>/dev/null) && [[ -n $uid ]]; then
    uid_field=$(printf ',"uid":"%s"' "$(json_escape "$uid")")
  fi
  prefix=$(cut_bytes "$NODE_NAME" 200)
  event=$(printf '{"apiVersion":"v1","kind":"Event",%s,%s,"type":"Warning","reason":"%s","message":"%s",%s,%s,%s,"count":1}' \
    "$(printf '"metadata":{"generateName":"%s.gpu-validation-","namespace":"%s"}' \
      "$(json_escape "$prefix")" "$(json_escape "$EVENT_NAMESPACE")")" \
    "$(printf '"involvedObject":{"apiVersion":"v1","kind":"Node","name":"%s"%s}' \
      "$(json_escape "$NODE_NAME")" "$uid_field")" \
    "$(json_escape "$reason")" "$(json_escape "$message")" \
    "$(printf '"source":{"component":"fastgpu-join-gate","host":"%s"}' "$(json_escape "$NODE_NAME")")" \
    "$(printf '"firstTimestamp":"%s"' "$now")" "$(printf '"lastTimestamp":"%s"' "$now")")
  if kube --stdin "$event" create -f -; then
    log "recorded Warning Event $reason about node $NODE_NAME in namespace $EVENT_NAMESPACE"
  else
    log "could not record the Event (the label still says failed)"
  fi
}

# After the label the pod is removed by the DaemonSet controller.
hold() {
  if [[ ${JOIN_GATE_NO_SLEEP:-} == 1 ]]; then
    log "JOIN_GATE_NO_SLEEP=1: returning instead of sleeping (tests only)"
    exit 0
  fi
  log "done; waiting for the DaemonSet controller to remove this pod"
  exec sleep infinity
}

# gpu-validate's own deadline in whole seconds, from its arguments (--deadline
# S or --deadline=S, else its --profile's default: quick 150, full 900).
validate_deadline() {
  local deadline="" profile=quick previous="" arg
  for arg in "$@"; do
    case $previous in
      --deadline) deadline=$arg ;;
      --profile) profile=$arg ;;
    esac
    case $arg in
      --deadline=*) deadline=${arg#*=} ;;
      --profile=*) profile=${arg#*=} ;;
    esac
    previous=$arg
  done
  if [[ $deadline =~ ^[0-9]+([.][0-9]*)?$ ]]; then
    printf '%d' "$((${deadline%%.*} + 1))"  # rounded up
  elif [[ $profile == full ]]; then
    printf '900'
  else
    printf '150'
  fi
}

# True when $1 can be written (created if need be).
writable() { (: >>"$1") 2>/dev/null; }

main() {
  if [[ -z ${NODE_NAME:-} ]]; then
    log "NODE_NAME is not set (set it from the downward API: fieldRef spec.nodeName)"
    exit 3
  fi
  mkdir -p "$REPORT_DIR"
  # The image's user has no home directory; kubectl keeps its discovery cache there.
  if [[ -z ${HOME:-} || ! -w $HOME ]]; then export HOME=$REPORT_DIR; fi
  local report=$REPORT_DIR/report.json stderr_file=$REPORT_DIR/gpu-validate.stderr
  local termination_log=${TERMINATION_LOG:-/dev/termination-log}
  if ! writable "$termination_log"; then
    log "$termination_log is not writable; the summary goes to $REPORT_DIR/termination-log"
    termination_log=$REPORT_DIR/termination-log
  fi
  rm -f "$report" "$stderr_file"
  : >"$termination_log"  # no summary of an earlier run may be mistaken for this one

  # The outer limit: a GPU that hangs in a call gpu-validate cannot time out
  # itself (or a gpu-validate that hangs) still ends as a failed node.
  local deadline limit
  deadline=$(validate_deadline "$@")
  limit=${GATE_TIMEOUT_SECONDS:-$((deadline + GATE_TIMEOUT_GRACE))}
  log "validating node $NODE_NAME (pod namespace ${POD_NAMESPACE:-unknown}):" \
    "gpu-validate $* --json $report --termination-log $termination_log (outer limit ${limit} s)"
  local rc=0 started=$SECONDS
  # The table goes to the log (stderr); stdout carries only the JSON report.
  timeout --kill-after="$GATE_TIMEOUT_KILL_AFTER" "$limit" \
    gpu-validate "$@" --json "$report" --termination-log "$termination_log" >&2 2>"$stderr_file" || rc=$?
  # 124 is timeout(1)'s own code; 137 (SIGKILL) is its --kill-after only once
  # the limit has passed, before that something else killed it (OOM).
  local timed_out=0
  if ((rc == 124 || (rc == 137 && SECONDS - started >= limit))); then timed_out=1; fi
  [[ -s $stderr_file ]] && cat "$stderr_file" >&2
  if [[ -s $report ]]; then
    log "gpu-validate exited $rc; the JSON report follows on stdout"
    cat "$report"
  else
    log "gpu-validate exited $rc without a JSON report"
  fi

  # From here on the node is being updated: a SIGTERM (the pod being removed)
  # waits for the kubectl call in flight instead of cutting label and taint apart.
  trap 'log "SIGTERM received; finishing the node update first"' TERM
  local summary
  summary=$(cat "$termination_log" 2>/dev/null || true)
  if ((timed_out)); then
    label_node failed
    record_event GPUValidationTimedOut \
      "timeout: gpu-validate did not finish within the gate's ${limit} s limit (its own deadline: ${deadline} s) and was stopped (exit $rc); a GPU may be hung, look for XID errors in the kernel log. ${summary:-$(tail -c 400 "$stderr_file" 2>/dev/null)}"
    log "node $NODE_NAME did not pass GPU validation (timeout); $GATE_TAINT_KEY stays on it"
    hold
  fi
  case $rc in
    0)
      # Exit 0 with no passing report is --help/--list/--version in the
      # arguments: nothing was validated, so the node does not pass.
      if grep -q '"verdict": "pass"' "$report" 2>/dev/null; then
        label_node passed
        remove_taint
        log "node $NODE_NAME passed GPU validation: ${summary%%$'\n'*}"
        hold
      fi
      label_node failed
      record_event GPUValidationMisconfigured \
        "gpu-validate exited 0 without a passing report (is --help, --list or --version among the arguments: $*?)"
      ;;
    1 | 2)
      local reason=GPUValidationFailed
      ((rc == 2)) && reason=GPUValidationCouldNotRun  # not proven good: fail closed
      # gpu-validate's own deadline passed (its report says so): a timeout.
      if ((rc == 2)) && grep -q '"expired": true' "$report" 2>/dev/null; then reason=GPUValidationTimedOut; fi
      [[ -n $summary ]] || summary="gpu-validate exited $rc without a summary: $(tail -c 600 "$stderr_file" 2>/dev/null)"
      label_node failed
      record_event "$reason" "$summary"
      ;;
    3)
      label_node failed
      record_event GPUValidationMisconfigured \
        "gpu-validate rejected its arguments (exit 3): $(head -c 800 "$stderr_file" 2>/dev/null)"
      ;;
    *)
      # Killed (OOM, deadline of the container) or crashed: not proven good.
      label_node failed
      record_event GPUValidationCouldNotRun \
        "gpu-validate ended with exit $rc (killed or crashed?). ${summary:-$(tail -c 600 "$stderr_file" 2>/dev/null)}"
      ;;
  esac
  log "node $NODE_NAME did not pass GPU validation (exit $rc); $GATE_TAINT_KEY stays on it"
  hold
}

main "$@"
