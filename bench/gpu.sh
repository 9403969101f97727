#!/usr/bin/env bash
# GPU throughput in one command, for a machine with a GPU (issue 12, "Speed"):
#
#   bench/gpu.sh [--allow-software] [--budget SECONDS]
#
# For webgpu (Dawn: Vulkan, Metal or D3D12) and, where it loads on a CUDA device, tensorflow
# (@tensorflow/tfjs-node-gpu), side by side: the reference model at 32 px batch 128 (the
# notebook's setting) and at 64 px batch 64 (steps/s, images/s, GFLOP/s, peak GPU memory), and
# DDPM sampling, T = 300, 16 images at 32 px (and DDIM 50). With PyTorch on CUDA
# (`python3 -c 'import torch; torch.cuda.is_available()'`, python from DIFFUSION_TORCH_PYTHON
# or PATH) and reference_torch.py (DIFFUSION_TORCH_REFERENCE, or ../shared/bench/), PyTorch runs
# the same shapes on the same GPU for a ratio. Every figure comes from bench/train.ts; this
# script only picks its flags. See bench/NOTES.md ("WebGPU") for what to expect.
#
# Needs `npm ci` done beforehand (that is the only step that uses the network); installs
# nothing. Each measurement runs in its own process, within what is left of a budget of
# 290 s (--budget), so the whole command ends in under 5 minutes.
#
# Only a software adapter (SwiftShader, llvmpipe, WARP; thousands of times slower than a GPU)
# is refused with exit 3, unless --allow-software (or DIFFUSION_BENCH_ALLOW_SOFTWARE=1): then
# the same measurements run at tiny shapes (a U-Net of widths 8-16 at 8 and 16 px, batch 4,
# T = 3), which shows only that the command works. Exit 0 when every measurement ran, 1 when
# one failed or the budget ran out, 2 on bad usage or a missing install, 3 when there is no GPU.
set -u
cd "$(dirname "$0")/.."

allow_software=${DIFFUSION_BENCH_ALLOW_SOFTWARE:-0}
budget=290
while [ $# -gt 0 ]; do
  case "$1" in
    --allow-software) allow_software=1 ;;
    --budget) budget=${2:?--budget needs seconds}; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/gpu.sh: unknown option $1 (see bench/gpu.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

for m in tsx webgpu @tensorflow/tfjs-backend-webgpu; do
  if [ ! -d "node_modules/$m" ]; then
    echo "bench/gpu.sh: node_modules/$m is missing: run npm ci first (the one step that needs the network)" >&2
    exit 2
  fi
done

# Dawn's Vulkan loader wants a runtime directory; a headless login may not have one.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
  XDG_RUNTIME_DIR=$(mktemp -d); export XDG_RUNTIME_DIR
fi
# TensorFlow takes all GPU memory at its first op unless told to grow.
export TF_FORCE_GPU_ALLOW_GROWTH=true

start=$(date +%s)
left() { echo $((budget - ($(date +%s) - start))); }

echo "bench/gpu.sh: $(date -u +%FT%TZ), $(uname -sm), node $(node --version), load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
if command -v nvidia-smi >/dev/null 2>&1; then
  echo "nvidia-smi: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)"
fi

# Which GPU backends start: webgpu on a hardware adapter (or any, with --allow-software), and
# tensorflow only on a CUDA device (tfjs-node on the CPU is not what this measures).
webgpu_flags=(--require-gpu); [ "$allow_software" = 1 ] && webgpu_flags=()
probe_webgpu=$(timeout 120 node --import tsx bench/train.ts --only adapter --backends webgpu "${webgpu_flags[@]}" 2>&1)
probe_tf=$(timeout 120 node --import tsx bench/train.ts --only adapter --backends tensorflow --require-gpu 2>&1)
printf '%s\n%s\n' "$probe_webgpu" "$probe_tf" | grep -v '^load average' | grep -v '^GPU-BACKEND' | sed 's/^/  /'
backends=()
grep -q '^GPU-BACKEND webgpu' <<<"$probe_webgpu" && backends+=(webgpu)
grep -q '^GPU-BACKEND tensorflow' <<<"$probe_tf" && backends+=(tensorflow)
if [ ${#backends[@]} -eq 0 ]; then
  if grep -q 'software adapter' <<<"$probe_webgpu"; then
    echo "bench/gpu.sh: only a software adapter here (see above) and no tensorflow on CUDA: nothing to measure." >&2
    echo "  bench/gpu.sh --allow-software runs tiny shapes on it, to check that the command works." >&2
  else
    echo "bench/gpu.sh: no GPU backend starts here (see above): webgpu needs a Vulkan, Metal or D3D12 driver," >&2
    echo "  tensorflow needs @tensorflow/tfjs-node-gpu with CUDA 11.2 and cuDNN 8.1." >&2
  fi
  exit 3
fi
list=$(IFS=,; echo "${backends[*]}")

tiny=0
if grep -q 'software adapter' <<<"$probe_webgpu" && [[ " ${backends[*]} " == *" webgpu "* ]]; then
  tiny=1
  echo "bench/gpu.sh: webgpu is on a software adapter (--allow-software): tiny shapes, which show only that the command works"
fi
if [ "$tiny" = 1 ]; then
  train_cases=(8-16:8:4 8-16:16:4); steps=2; sample=(--sample-case 8-16:8:4 --sample-T 3)
else
  train_cases=(reference:32:128 reference:64:64); steps=5; sample=(--sample-case reference:32:16 --sample-T 300)
fi

# PyTorch on the same GPU, through bench/train.ts's own reference mechanism.
torch=(--no-torch)
py=${DIFFUSION_TORCH_PYTHON:-$(command -v python3 || echo /usr/bin/python3)}
if "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
  export DIFFUSION_TORCH_PYTHON=$py
  torch=(--torch-device cuda)
  echo "PyTorch on CUDA: $("$py" -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))' 2>&1)"
else
  echo "(PyTorch on CUDA not present with $py: no PyTorch ratio)"
fi

status=0
run() {
  local t; t=$(left)
  if [ "$t" -le 5 ]; then
    echo "(skipped: the ${budget} s budget ran out before: $*)"; status=1; return
  fi
  echo; echo "# bench/train.ts $*  (${t} s of the budget left)"
  timeout --foreground -k 5 "$t" node --import tsx bench/train.ts "$@"
  local rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then echo "(stopped: the ${budget} s budget ran out during: $*)"; status=1
  elif [ $rc -ne 0 ]; then echo "(failed with exit $rc: $*)"; status=1; fi
}

for c in "${train_cases[@]}"; do
  run --only train --backends "$list" --cases "$c" --steps "$steps" "${torch[@]}"
done
run --only sample --backends "$list" "${sample[@]}" "${torch[@]}"

echo; echo "bench/gpu.sh: done in $(($(date +%s) - start)) s (budget ${budget} s)"
exit $status
