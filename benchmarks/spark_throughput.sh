#!/usr/bin/env bash
# Training throughput (images/s) of QuantWeightActBiasLeNet on Fashion-MNIST: single process against
# Spark's synchronous and parameter-averaging modes, on local[1] and local[2], global batch 64 and 1024.
# Prints one line per configuration (with the machine's 1-minute load average before and after it, since
# the machine may be shared) and the driver's time split of each Spark run. Results: BENCHMARKS.md.
# Usage: benchmarks/spark_throughput.sh [OUT_DIR]   (about 10 minutes on 2 cores)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
# Images/s of the last step line: the run's images so far over its training time (calibration excluded).
rate() { grep '"event":"step"' "$1" | tail -n 1 | sed 's/.*"images_per_s":\([0-9.]*\).*/\1/'; }

run() { # name batch steps [extra args...]
  local name="$1" batch="$2" steps="$3"
  shift 3
  rm -f "$OUT/$name.safetensors" "$OUT/$name.jsonl"
  local load_before
  load_before="$(cut -d' ' -f1 /proc/loadavg)"
  "$ROOT/qnn4j" train --model QuantWeightActBiasLeNet --data fashion-mnist --test-limit 256 --epochs 1 \
    --batch-size "$batch" --max-steps "$steps" --metrics "$OUT/$name.jsonl" --out "$OUT/$name.safetensors" "$@" \
    > "$OUT/$name.log" 2>&1
  printf '%-28s batch %5d  %8s images/s  load %s..%s  %s\n' "$name" "$batch" "$(rate "$OUT/$name.jsonl")" \
    "$load_before" "$(cut -d' ' -f1 /proc/loadavg)" "$(grep -h 'driver time' "$OUT/$name.log" || true)"
}

for batch in 64 1024; do
  steps=$(( batch == 64 ? 80 : 10 ))
  run "single-$batch" "$batch" "$steps"
  run "sync-local1-$batch" "$batch" "$steps" --spark 'local[1]' --partitions 1
  run "sync-local2-$batch" "$batch" "$steps" --spark 'local[2]' --partitions 2
  run "avg8-local1-$batch" "$batch" "$steps" --spark 'local[1]' --partitions 1 --average-every 8
  run "avg8-local2-$batch" "$batch" "$steps" --spark 'local[2]' --partitions 2 --average-every 8
done
