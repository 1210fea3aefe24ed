/**
 * MIG layouts are applied by the node itself, before kubelet starts, on every boot: EC2 user data installs a
 * systemd unit ordered before nodeadm-run/kubelet that enables MIG mode and creates the pool's GPU instances
 * at the placements `placeMigLayout` computed. We do not use the GPU Operator's MIG manager: on AL2023 it
 * restarts kubelet while the node is still bootstrapping and can leave it NotReady for good
 * (NVIDIA/gpu-operator#2415, NVIDIA/mig-parted#368). See docs/gpu-sharing.md.
 */
import type { GpuSku } from "../../catalog/gpus";
import { placeMigLayout } from "./mig-placement";

export const MIG_UNIT = "fastgpu-mig-layout.service";
export const MIG_SCRIPT_PATH = "/usr/local/sbin/fastgpu-mig-layout";
const MIME_BOUNDARY = "FASTGPU-MIG-LAYOUT";

/**
 * `nvidia-smi mig -cgi` tuples (`<profile>:<placement start>`) in start order. Explicit placements make
 * creation deterministic: without them the driver picks placements itself and one order of creation can
 * strand a profile that another order fits.
 */
export function migCreateTuples(gpu: GpuSku, layout: Readonly<Record<string, number>>): string[] {
  const placed = placeMigLayout(gpu, layout);
  if (!placed.ok) throw new Error(`MIG layout does not fit ${gpu.name}: ${placed.reason}`);
  return placed.placements.map((placement) => `${placement.profile}:${placement.start}`);
}

/** The boot-time script: idempotent, fails (and so keeps kubelet from starting) when the layout is not in place. */
export function migLayoutScript(gpu: GpuSku, layout: Readonly<Record<string, number>>): string {
  const tuples = migCreateTuples(gpu, layout);
  return `#!/bin/bash
# FastGPU: apply this pool's MIG layout (${tuples.join(",")}) to every GPU before kubelet starts.
set -euo pipefail
LAYOUT="${tuples.join(",")}"
EXPECTED_PER_GPU=${tuples.length}
REBOOT_MARKER=/var/lib/fastgpu/mig-reboot-attempted
log() { echo "fastgpu-mig-layout: $*" | systemd-cat -t fastgpu-mig-layout -p info; echo "fastgpu-mig-layout: $*"; }

# The driver loads in parallel with cloud-init; wait up to 10 minutes for it.
for _ in $(seq 1 120); do
  nvidia-smi -L >/dev/null 2>&1 && break
  sleep 5
done
nvidia-smi -L >/dev/null || { log "NVIDIA driver not ready"; exit 1; }

pending() { nvidia-smi --query-gpu=index,mig.mode.current --format=csv,noheader | awk -F', ' '$2 != "Enabled" {print $1}'; }

if [ -n "$(pending)" ]; then
  log "enabling MIG mode"
  nvidia-smi -mig 1
fi
if [ -n "$(pending)" ]; then
  # Ampere applies a MIG mode change only after a GPU reset, which needs the GPU clients stopped.
  log "MIG mode pending on GPUs $(pending | tr '\\n' ' '); resetting"
  systemctl stop nvidia-persistenced.service nvidia-fabricmanager.service 2>/dev/null || true
  nvidia-smi -r || true
  systemctl start nvidia-fabricmanager.service nvidia-persistenced.service 2>/dev/null || true
fi
if [ -n "$(pending)" ]; then
  # Pass-through GPUs may only switch on a reboot; try one, never loop.
  if [ ! -e "$REBOOT_MARKER" ]; then
    mkdir -p "$(dirname "$REBOOT_MARKER")" && touch "$REBOOT_MARKER"
    log "MIG mode still pending; rebooting once"
    systemctl reboot
    exit 1
  fi
  log "MIG mode still pending after a reboot; leaving the node out of the cluster"
  exit 1
fi

for gpu in $(nvidia-smi --query-gpu=index --format=csv,noheader); do
  nvidia-smi mig -i "$gpu" -dci >/dev/null 2>&1 || true
  nvidia-smi mig -i "$gpu" -dgi >/dev/null 2>&1 || true
  nvidia-smi mig -i "$gpu" -cgi "$LAYOUT" -C
  created=$(nvidia-smi mig -i "$gpu" -lgi | grep -c " MIG " || true)
  if [ "$created" -ne "$EXPECTED_PER_GPU" ]; then
    log "GPU $gpu has $created GPU instances, expected $EXPECTED_PER_GPU"
    exit 1
  fi
done
log "applied $LAYOUT to every GPU"
`;
}

/** The systemd unit: before nodeadm-run and kubelet, and required by kubelet so a failed layout never joins. */
export function migLayoutUnit(): string {
  return `[Unit]
Description=FastGPU: apply the pool's MIG layout before kubelet starts
Before=nodeadm-run.service kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${MIG_SCRIPT_PATH}
TimeoutStartSec=15min
# A node that never joins shows why in the EC2 console output, without SSH.
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
RequiredBy=kubelet.service
`;
}

/**
 * EC2 user data for a MIG pool's launch template. EKS managed node groups merge their own nodeadm config
 * into MIME multipart user data, so ours is MIME too. Cloud-init runs it before nodeadm-run (which waits for
 * cloud-final), and it starts the unit synchronously, so the first kubelet start already sees the layout.
 */
export function migUserData(gpu: GpuSku, layout: Readonly<Record<string, number>>): string {
  const script = migLayoutScript(gpu, layout);
  const installer = `#!/bin/bash
set -euo pipefail
install -d -m 0755 /usr/local/sbin
cat > ${MIG_SCRIPT_PATH} <<'FASTGPU_SCRIPT'
${script}FASTGPU_SCRIPT
chmod 0755 ${MIG_SCRIPT_PATH}
cat > /etc/systemd/system/${MIG_UNIT} <<'FASTGPU_UNIT'
${migLayoutUnit()}FASTGPU_UNIT
systemctl daemon-reload
systemctl enable ${MIG_UNIT}
systemctl start ${MIG_UNIT}
`;
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`,
    "",
    `--${MIME_BOUNDARY}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    "",
    installer,
    `--${MIME_BOUNDARY}--`,
    "",
  ].join("\n");
}
